// Public API of engine/state: state that must survive restarts beyond the kill switch (which
// engine/killswitch keeps): the lease of client order ids; who holds a file or record on disk
// (a pid and its process start time) and whether that process still runs.
export { OrderIdLease, ORDER_ID_BLOCK } from './order-id-lease.js';
export { isHolderAlive, processStartTime, thisProcessHolder, type ProcessHolder } from './process-holder.js';
