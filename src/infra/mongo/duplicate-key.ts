/** MongoDB's (and FerretDB's) error code for an insert or upsert whose `_id` exists already. */
export const DUPLICATE_KEY = 11000;
