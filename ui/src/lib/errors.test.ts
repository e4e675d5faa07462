import { describe, expect, it } from 'vitest';
import { errorCode, errorMessage, isCommandError } from './errors';

describe('errors', () => {
  it('recognises a CommandError', () => {
    expect(isCommandError({ code: 'x', message: 'y' })).toBe(true);
    expect(isCommandError({ message: 'y' })).toBe(false);
    expect(isCommandError(null)).toBe(false);
    expect(isCommandError('x')).toBe(false);
  });

  it('finds a message for people in anything', () => {
    expect(errorMessage({ code: 'a', message: 'The portal is down.' })).toBe('The portal is down.');
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(undefined)).toBe('Something went wrong in the app.');
  });

  it('keeps the stable code only for CommandErrors', () => {
    expect(errorCode({ code: 'portal.down', message: 'm' })).toBe('portal.down');
    expect(errorCode(new Error('boom'))).toBeNull();
  });
});
