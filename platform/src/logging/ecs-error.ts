/**
 * An error as the Elastic Common Schema stores it. The index template maps `error` as an object with
 * these keyword/text fields, so a line whose `error` is anything else (a bare string, an Error's own
 * enumerable properties of any type) is rejected by Elasticsearch.
 */
export interface EcsError {
  /** The class name (`TypeError`, `UpstreamError`) or the error's `name`. */
  type?: string;
  message: string;
  stack_trace?: string;
  /** `error.code` of Node and driver errors (`ECONNREFUSED`, amqplib's 320), always as a string. */
  code?: string;
}

const MAX_CAUSES = 3;

function typeOf(error: Error): string {
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof constructorName === 'string' && constructorName !== '' ? constructorName : error.name;
}

/** The stack, followed by the stacks of up to three causes (Node's own stack leaves causes out). */
function stackWithCauses(error: Error): string | undefined {
  let stack = error.stack;
  let cause: unknown = error.cause;
  for (let depth = 0; depth < MAX_CAUSES && cause !== undefined && cause !== null; depth += 1) {
    const text =
      cause instanceof Error ? (cause.stack ?? `${typeOf(cause)}: ${cause.message}`) : describe(cause);
    stack = `${stack ?? ''}\nCaused by: ${text}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return stack;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? typeof value;
}

function codeOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * Any thrown value as ECS `error.*` fields: an Error gives its class, message, stack (with causes) and
 * code; an object that already looks like one keeps its string fields; anything else becomes the message.
 */
export function ecsError(value: unknown): EcsError {
  if (value instanceof Error) {
    const error: EcsError = { type: typeOf(value), message: value.message };
    const stack = stackWithCauses(value);
    if (stack !== undefined) error.stack_trace = stack;
    const code = codeOf((value as { code?: unknown }).code);
    if (code !== undefined) error.code = code;
    return error;
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  ) {
    const source = value as Record<string, unknown>;
    const error: EcsError = { message: source.message as string };
    if (typeof source.type === 'string') error.type = source.type;
    if (typeof source.stack_trace === 'string') error.stack_trace = source.stack_trace;
    const code = codeOf(source.code);
    if (code !== undefined) error.code = code;
    return error;
  }
  return { message: typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)) };
}
