/** A log source that could not be read; its message is meant for the operator as is. */
export class TraceSourceError extends Error {
  override readonly name = 'TraceSourceError';
}
