/*
 * Chang & Roberts ring election, matched to faultline's `chang-roberts`
 * (protocols/chang_roberts.h under its default world: per-link FIFO links, no
 * faults). N is the ring size: spin -DN=7 -a chang_roberts.pml
 *
 * How it matches:
 *   - one channel per ring link, link[i] from node i to node (i+1)%N, FIFO:
 *     only the oldest message of a link can be delivered, as in faultline's
 *     LinkOrder::kFifo network;
 *   - one handler run is one transition: every reaction is a d_step (the
 *     delivery of one message, or one client request calling an election);
 *   - every node may call an election once (faultline's client requests,
 *     each issued once, enabled whether or not the node already takes part);
 *   - ids are 1..N placed odd ones first (1, 3, 5, ..., 2, 4, ...);
 *   - a state holds what faultline's world holds: per node `participant`,
 *     `elected` and whether its request was issued, and the messages in
 *     flight per link in order. Handler scratch variables are reset to 0 at
 *     the end of every d_step so they never tell two states apart.
 *   - the safety properties one-leader and largest-id as assertions.
 * Remaining differences:
 *   - faultline also checks the liveness property `elected` (Eventually,
 *     under weak fairness), which makes it record the state graph; this model
 *     is checked for safety only (pan compiled with -DSAFETY).
 *   - SPIN stores each process's control state and the channel headers in
 *     its state vector; they are constant here, so the state counts match
 *     (checked by bench/spin_compare.py).
 */
#ifndef N
#define N 5
#endif
#define CAP (N + 1)   /* each id crosses a link at most once, plus Elected */
#define ELECTION 1
#define ELECTED 2
#define ODD ((N + 1) / 2)
#define ID(n) ((n) < ODD -> 2 * (n) + 1 : 2 * ((n) - ODD) + 2)
#define NEXT(n) (((n) + 1) % N)

chan link[N] = [CAP] of { byte, byte };

/* Node state lives in process-local variables, so that SPIN's partial-order
 * reduction may treat a handler run as touching only its own node and its
 * exclusive links (globals would make every step "unsafe"). */
active [N] proctype Node() {
  bool participant;
  byte elected;   /* the leader's id; 0: none yet (ids start at 1) */
  bool called;    /* the node's election call (client request) was issued */
  byte kind;
  byte id;
  chan in = link[(_pid + N - 1) % N];   /* constant: no state difference */
  chan out = link[_pid];
  xr in;   /* only this node receives from its in-link, only it sends on */
  xs out;  /* its out-link: lets SPIN's partial-order reduction use them */
end:
  do
  :: d_step {   /* client request: call an election */
       !called ->
       called = true;
       if
       :: !participant && elected == 0 ->
          participant = true;
          out!ELECTION, ID(_pid)
       :: else -> skip
       fi
     }
  :: d_step {   /* deliver the oldest message from the predecessor */
       in?kind, id ->
       if
       :: kind == ELECTION && id == ID(_pid) ->   /* unbeaten round the ring */
          assert(id == N);                        /* largest-id */
          elected = id;
          out!ELECTED, id
       :: kind == ELECTION && id > ID(_pid) ->
          participant = true;
          out!ELECTION, id
       :: kind == ELECTION && id < ID(_pid) && !participant ->
          participant = true;
          out!ELECTION, ID(_pid)
       :: kind == ELECTION && id < ID(_pid) && participant ->
          skip                                    /* our larger id is out */
       :: kind == ELECTED && id == ID(_pid) ->    /* announcement went round */
          participant = false
       :: kind == ELECTED && id != ID(_pid) ->
          assert(id == N);                        /* one-leader, largest-id */
          participant = false;
          elected = id;
          out!ELECTED, id
       fi;
       kind = 0;
       id = 0
     }
  od
}
