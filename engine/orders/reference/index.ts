// The plain TS reference of the core's order table (parity oracle of wasm/assembly/orders).
export { ReferenceOrderTable } from './reference-order-table.js';
