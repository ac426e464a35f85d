// Status codes returned by the core. The core never throws: every export returns
// a count (>= 0) or one of these negative codes. engine/core/core-status.ts turns
// them into errors in one place.

export const OK: i32 = 0;
export const ERR_STATIC_DATA_TOO_LARGE: i32 = -1; // core statics reach past CORE_STATIC_LIMIT
export const ERR_RING_NOT_INITIALISED: i32 = -2; // ring header magic missing
export const ERR_RING_CAPACITY: i32 = -3; // capacity not a power of two, or too large
export const ERR_OUTBOUND_FULL: i32 = -4; // outbound ring had no room for a result record
export const ERR_UNKNOWN_KIND: i32 = -5; // an inbound record with no known kind bit
export const ERR_BAD_ARGUMENT: i32 = -6; // an argument outside its documented range
