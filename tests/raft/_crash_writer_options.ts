/** Settings shared by the crash test and its writer process. */

/** Small segments so kills land during segment rolls too. */
export const CRASH_SEGMENT_ROLL_BYTES = 16 * 1024;
