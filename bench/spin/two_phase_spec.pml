/*
 * Gray & Lamport's TwoPhase.tla as Promela, matched to faultline's
 * `two-phase-spec` (protocols/two_phase_spec.h): a plain transition system,
 * no network and no faults, so both tools check the very same state graph
 * and faultline checks no liveness here. R is the number of resource
 * managers: spin -DR=5 -a two_phase_spec.pml (3 RMs: 288 states, as TLC).
 *
 * How it matches:
 *   - the variables are the spec's: rmState per RM, tmState, tmPrepared, and
 *     msgs as flags (Prepared(rm) per RM, Commit, Abort; never removed);
 *   - every action of the spec is one d_step, enabled exactly when the
 *     spec's action is (TMRcvPrepared(rm) stays enabled while tmState =
 *     init, as in the spec, even when it changes nothing);
 *   - the RM-indexed actions run in process RM(rm) and TMCommit, TMAbort in
 *     process TM; control never leaves the loop heads, so process counters
 *     tell no states apart.
 *   - TCConsistent as an assertion after every RM step.
 * Remaining difference: none known; the state counts agree
 * (bench/spin_compare.py checks it).
 */
#ifndef R
#define R 3
#endif
#define WORKING 0
#define PREPARED 1
#define COMMITTED 2
#define ABORTED 3
#define ALL ((1 << R) - 1)

byte rm_state[R];
bool tm_done;
byte tm_prepared;    /* bit per RM */
byte msg_prepared;   /* bit per RM: Prepared(rm) in msgs */
bool msg_commit;
bool msg_abort;
byte tc_i;           /* scratch for the invariant, reset after use */
bool tc_committed;
bool tc_aborted;

/* TCConsistent: no RM committed while another aborted. */
inline CheckConsistent() {
  tc_i = 0;
  do
  :: tc_i < R ->
     tc_committed = tc_committed || rm_state[tc_i] == COMMITTED;
     tc_aborted = tc_aborted || rm_state[tc_i] == ABORTED;
     tc_i++
  :: else -> break
  od;
  assert(!(tc_committed && tc_aborted));
  tc_i = 0;
  tc_committed = false;
  tc_aborted = false
}

active proctype TM() {
end:
  do
  :: d_step { !tm_done && tm_prepared == ALL -> tm_done = true; msg_commit = true }
  :: d_step { !tm_done -> tm_done = true; msg_abort = true }
  od
}

active [R] proctype RM() {
end:
  do
  :: d_step { !tm_done && (msg_prepared & (1 << (_pid - 1))) ->   /* TMRcvPrepared */
       tm_prepared = tm_prepared | (1 << (_pid - 1)) }
  :: d_step { rm_state[_pid - 1] == WORKING ->                     /* RMPrepare */
       rm_state[_pid - 1] = PREPARED;
       msg_prepared = msg_prepared | (1 << (_pid - 1));
       CheckConsistent() }
  :: d_step { rm_state[_pid - 1] == WORKING ->                     /* RMChooseToAbort */
       rm_state[_pid - 1] = ABORTED;
       CheckConsistent() }
  :: d_step { msg_commit ->                                        /* RMRcvCommitMsg */
       rm_state[_pid - 1] = COMMITTED;
       CheckConsistent() }
  :: d_step { msg_abort ->                                         /* RMRcvAbortMsg */
       rm_state[_pid - 1] = ABORTED;
       CheckConsistent() }
  od
}
