import type { CommandError } from '../bindings/CommandError';
import type { ErrorCode } from '../bindings/ErrorCode';

export function isCommandError(value: unknown): value is CommandError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).code === 'string' &&
    typeof (value as Record<string, unknown>).message === 'string'
  );
}

/** A message for people from whatever a backend call rejected with. */
export function errorMessage(error: unknown): string {
  if (isCommandError(error)) return error.message;
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  return 'Something went wrong in the app.';
}

/** The stable code, kept for support (not shown as the message). */
export function errorCode(error: unknown): ErrorCode | null {
  return isCommandError(error) ? error.code : null;
}
