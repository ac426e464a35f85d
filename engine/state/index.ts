// Public API of engine/state: state that must survive restarts beyond the kill switch (which
// engine/killswitch keeps): the lease of client order ids.
export { OrderIdLease, ORDER_ID_BLOCK } from './order-id-lease.js';
