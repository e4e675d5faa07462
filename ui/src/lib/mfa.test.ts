import { describe, expect, it } from 'vitest';
import { MFA_HEADING, RECOVERY_CODE_HEADING, mfaCodeArg, mfaFieldModel, mfaNotice, validateMfaCode } from './mfa';

describe('mfaFieldModel', () => {
  it('asks for the 6-digit authenticator code with a numeric keypad by default', () => {
    const field = mfaFieldModel(false);
    expect(MFA_HEADING).toBe('Enter your authenticator code');
    expect(field).toMatchObject({
      label: '6-digit code',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      toggleLabel: 'Use a recovery code instead',
    });
    expect(field.maxlength).toBeGreaterThanOrEqual(6);
    // "123 456" as authenticator apps show it.
    expect(field.maxlength).toBeLessThanOrEqual(8);
  });

  it('switches to a recovery code: a text field, and the way back', () => {
    const field = mfaFieldModel(true);
    expect(field).toMatchObject({
      label: 'Recovery code',
      inputmode: 'text',
      autocomplete: 'off',
      placeholder: 'e.g. abcde-fghij',
      toggleLabel: 'Use the authenticator code instead',
    });
    expect(field.maxlength).toBeGreaterThanOrEqual('abcde-fghij'.length);
    expect(field.text).toContain('Each code works once.');
  });
});

describe('validateMfaCode and mfaCodeArg', () => {
  it('asks for a code when the field is empty, in the words of the mode', () => {
    expect(validateMfaCode('', false)).toBe('Enter the 6-digit code from your authenticator app.');
    expect(validateMfaCode('   ', true)).toBe('Enter one of your recovery codes.');
  });

  it('accepts any code: the portal tells the two kinds apart', () => {
    expect(validateMfaCode('123456', false)).toBeNull();
    expect(validateMfaCode('abcde-fghij', false)).toBeNull();
    expect(validateMfaCode('abcde-fghij', true)).toBeNull();
  });

  it('sends the code without spaces', () => {
    expect(mfaCodeArg(' 123 456 ')).toBe('123456');
    expect(mfaCodeArg('abcde-fghij')).toBe('abcde-fghij');
  });
});

describe('recovery-code mode', () => {
  it('has its own heading', () => {
    expect(mfaFieldModel(false).heading).toBe(MFA_HEADING);
    expect(mfaFieldModel(true).heading).toBe(RECOVERY_CODE_HEADING);
    expect(RECOVERY_CODE_HEADING).toBe('Enter a recovery code');
  });

  it('drops the answer about the code typed before switching, but not a wait that still runs', () => {
    const wrong = { code: 'invalid_code', message: 'That code is not right.' };
    expect(mfaNotice(wrong, null, false)).toBe(wrong);
    expect(mfaNotice(wrong, wrong, false)).toBeNull();
    expect(mfaNotice(wrong, wrong, true)).toBe(wrong);
    // A new answer after switching shows.
    const again = { ...wrong };
    expect(mfaNotice(again, wrong, false)).toBe(again);
    expect(mfaNotice(null, wrong, false)).toBeNull();
  });
});
