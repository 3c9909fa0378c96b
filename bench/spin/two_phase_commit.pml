/*
 * Two-phase commit, matched to faultline's `two-phase-commit`
 * (protocols/two_phase_commit.h under its default world: reliable unordered
 * links, synchronous timers, no crashes). P is the number of participants,
 * CRASHES the crash-stop budget (faultline's --crashes, default 0):
 * spin -DP=4 -DCRASHES=1 -a two_phase_commit.pml
 *
 * How it matches:
 *   - the events are faultline's: deliver any message in flight (unordered),
 *     a participant's client request Fail (each issued once, at any time the
 *     participant is up), the coordinator's vote timeout (synchronous: it
 *     may fire only when no deliverable message is in flight), and a crash
 *     of any up node within the budget (crash-stop: it never acts again,
 *     messages to it stay in flight undeliverable, the coordinator's crash
 *     cancels its timer);
 *   - one handler run is one transition: every reaction is a d_step;
 *   - a state holds what faultline's world holds: every node's phase, ballot
 *     and `failed` flag, the coordinator's set of Yes votes, the messages in
 *     flight, the coordinator's timer, which nodes crashed, which requests
 *     were issued, and the
 *     history of decisions in the order they were made (faultline's world
 *     keeps the observations, which its properties read, so two runs that
 *     decide in different orders are different states there too);
 *   - unordered links: each link is a channel filled with sorted sends (!!)
 *     and read with random receives (??), so equal multisets of messages are
 *     equal contents, as in faultline's sorted network;
 *   - the coordinator's handlers run in P+1 processes (one per incoming link,
 *     one for its start handler and timer) over shared variables; each run is
 *     still one d_step, so this changes no state and no transition.
 * Remaining differences:
 *   - faultline runs every node's start handler before its initial state;
 *     here the start is a first transition, so SPIN counts one more state
 *     and one more transition (and pan's transition count includes one more
 *     for the initial state itself);
 *   - faultline also checks liveness (commit-when-all-yes, termination) and
 *     records the state graph for it; this model is checked for safety only;
 *   - `inflight` counts the deliverable messages (a function of the channel
 *     contents and `crashed`, so it tells no states apart) for the
 *     synchronous timer; `crashes` is a function of `crashed`;
 *   - faultline's other faults (drops, duplicates, partitions, recovery)
 *     are not modelled.
 */
#ifndef P
#define P 3
#endif
#ifndef CRASHES
#define CRASHES 0   /* crash-stop budget, faultline's --crashes */
#endif
#define WORKING 0
#define UNCERTAIN 1
#define COMMITTED 2
#define ABORTED 3
#define NOT_VOTED 0
#define VOTED_YES 1
#define VOTED_NO 2
#define PREPARE 1
#define YES 2
#define NO 3
#define COMMIT 4
#define ABORT 5
#define ALL_YES ((1 << (P + 1)) - 2)   /* bits 1..P: participants' ids */

chan to_p[P] = [2] of { byte };   /* coordinator -> participant p (index p-1) */
chan to_c[P] = [1] of { byte };   /* participant p -> coordinator: its vote */
chan history = [P + 1] of { byte, bool };   /* (node, commit), in order */
byte inflight;     /* deliverable messages: in flight to an up node */
byte crashed;      /* bit n: node n (0: coordinator) is down */
byte crashes;      /* crashes so far (a function of `crashed`: no recovery) */
bool started;      /* the start handlers ran */
bool timer;        /* the coordinator's vote timeout is armed */
byte c_phase;      /* the coordinator (node 0) */
byte c_yes;        /* bit p: participant p voted Yes */
byte c_i;          /* broadcast loop scratch, reset after use */

inline Broadcast(kind) {
  c_i = 0;
  do
  :: c_i < P ->
     to_p[c_i]!!kind;
     if
     :: crashed & (1 << (c_i + 1)) -> skip   /* waits, undeliverable */
     :: else -> inflight++
     fi;
     c_i++
  :: else -> break
  od;
  c_i = 0
}

inline DecideAndTell(commit) {
  c_phase = (commit -> COMMITTED : ABORTED);
  history!0, commit;
  Broadcast((commit -> COMMIT : ABORT));
  timer = false
}

/* Participant p = _pid + 1 (active proctypes get pids in declaration order). */
active [P] proctype Participant() {
  byte phase;
  bool failed;
  byte ballot;
  bool called;
  chan in = to_p[_pid];
  chan out = to_c[_pid];
end:
  do
  :: d_step {   /* crash-stop, within the budget */
       started && crashes < CRASHES && !(crashed & (1 << (_pid + 1))) ->
       crashed = crashed | (1 << (_pid + 1));
       crashes++;
       inflight = inflight - len(in)   /* messages to it wait forever */
     }
  :: d_step {   /* client request Fail: the local work failed */
       started && !called && !(crashed & (1 << (_pid + 1))) ->
       called = true;
       failed = true;
       if
       :: phase == WORKING -> phase = ABORTED; history!(_pid + 1), false
       :: else -> skip   /* voted Yes: it may no longer abort on its own */
       fi
     }
  :: d_step {
       !(crashed & (1 << (_pid + 1))) && in??[PREPARE] ->
       in??PREPARE;
       inflight--;
       assert(ballot == NOT_VOTED);
       if
       :: !failed && phase == WORKING ->
          ballot = VOTED_YES; phase = UNCERTAIN; out!YES
       :: else ->   /* it failed, or already heard the outcome */
          ballot = VOTED_NO;
          if
          :: phase == WORKING -> phase = ABORTED; history!(_pid + 1), false
          :: else -> skip
          fi;
          out!NO
       fi;
       if
       :: crashed & 1 -> skip
       :: else -> inflight++
       fi
     }
  :: d_step {
       !(crashed & (1 << (_pid + 1))) && in??[COMMIT] ->
       in??COMMIT;
       inflight--;
       if
       :: phase == COMMITTED || phase == ABORTED -> skip
       :: else -> assert(phase == UNCERTAIN);   /* only a Yes voter hears it */
          phase = COMMITTED; history!(_pid + 1), true
       fi
     }
  :: d_step {
       !(crashed & (1 << (_pid + 1))) && in??[ABORT] ->
       in??ABORT;
       inflight--;
       if
       :: phase == COMMITTED || phase == ABORTED -> skip
       :: else -> phase = ABORTED; history!(_pid + 1), false
       fi
     }
  od
}

/* The coordinator's vote handler for the link from participant
 * p = _pid - P + 1. */
active [P] proctype CoordinatorLink() {
  byte vote;
  chan in = to_c[_pid % P];   /* pids P..2P-1 */
end:
  do
  :: d_step {
       !(crashed & 1) && len(in) > 0 ->
       in?vote;
       inflight--;
       if
       :: c_phase != WORKING -> skip   /* decided already (an abort) */
       :: c_phase == WORKING && vote == NO -> DecideAndTell(false)
       :: c_phase == WORKING && vote == YES ->
          c_yes = c_yes | (1 << (_pid - P + 1));
          if
          :: c_yes == ALL_YES -> DecideAndTell(true)
          :: else -> skip
          fi
       fi;
       vote = 0
     }
  od
}

/* The coordinator's start handler and its vote timeout. */
active proctype CoordinatorTimer() {
  d_step {   /* every node's start handler: only the coordinator acts */
    Broadcast(PREPARE);
    timer = true;
    started = true
  }
end:
  do
  :: d_step {   /* the coordinator crashes: its timer is cancelled */
       crashes < CRASHES && !(crashed & 1) ->
       crashed = crashed | 1;
       crashes++;
       timer = false;
       c_i = 0;   /* votes in flight to it wait forever */
       do
       :: c_i < P -> inflight = inflight - len(to_c[c_i]); c_i++
       :: else -> break
       od;
       c_i = 0
     }
  :: d_step {   /* synchronous timeout: no message is in flight */
       timer && inflight == 0 ->
       timer = false;
       if
       :: c_phase == WORKING -> DecideAndTell(false)
       :: else -> skip
       fi
     }
  od
}
