/** The error every Redis store failure becomes: never a rate-limit error (firecrawl#3728). Defined in core. */
export { StoreError, type StoreFailure } from '../core/errors.js';
