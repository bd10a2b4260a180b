/**
 * Health probes and metrics scrapes: machines call them every few seconds. They are not logged,
 * and they answer while Redis or MongoDB is away (they say so themselves).
 */
export const PROBE_PATHS = /^\/(api\/health(\/|$|\?)|metrics($|\?))/;
