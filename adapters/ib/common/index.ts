// adapters/ib/common: IB codes (order types, TIF, statuses, error codes) and the instrument <->
// contract map with its resolution cache.
export * from './enums.js';
export { InstrumentContracts, type IbContractSpec } from './symbols.js';
