// Texts and pure logic of the authenticator step (`mfa_required`): MfaScreen.svelte only renders these.

export const MFA_HEADING = 'Enter your authenticator code';
export const RECOVERY_CODE_HEADING = 'Enter a recovery code';

/** What the code field looks like: the authenticator's 6 digits, or a recovery code. */
export interface MfaFieldModel {
  /** The screen's heading: each kind of code has its own. */
  heading: string;
  /** Why the screen asks, under the heading. */
  text: string;
  label: string;
  /** Numeric keypad for the 6 digits; a plain text field for recovery codes (letters). */
  inputmode: 'numeric' | 'text';
  autocomplete: 'one-time-code' | 'off';
  /** Fits "123456" and "123 456" as authenticator apps show it; a recovery code with room to spare. */
  maxlength: number;
  placeholder: string;
  /** The toggle's text: switches to the other kind of code. */
  toggleLabel: string;
  /** The inline message when the field is left empty. */
  emptyMessage: string;
  progress: string;
}

export function mfaFieldModel(useRecoveryCode: boolean): MfaFieldModel {
  if (useRecoveryCode) {
    return {
      heading: RECOVERY_CODE_HEADING,
      text: 'Enter one of the recovery codes you saved when you set up your authenticator app. Each code works once.',
      label: 'Recovery code',
      inputmode: 'text',
      autocomplete: 'off',
      maxlength: 24,
      placeholder: 'e.g. abcde-fghij',
      toggleLabel: 'Use the authenticator code instead',
      emptyMessage: 'Enter one of your recovery codes.',
      progress: 'Checking the code…',
    };
  }
  return {
    heading: MFA_HEADING,
    text: 'Your account is protected with an authenticator app. Open it and enter the 6-digit code it shows.',
    label: '6-digit code',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    maxlength: 7,
    placeholder: '',
    toggleLabel: 'Use a recovery code instead',
    emptyMessage: 'Enter the 6-digit code from your authenticator app.',
    progress: 'Checking the code…',
  };
}

/**
 * The notice the screen shows: after switching to the other kind of code, the answer about the
 * code typed before (`dismissed`) is old news and goes, unless it holds a wait that still runs.
 */
export function mfaNotice<N>(notice: N | null, dismissed: N | null, waiting: boolean): N | null {
  if (!notice) return null;
  return notice === dismissed && !waiting ? null : notice;
}

/** What goes to the backend: the code without spaces ("123 456" -> "123456"). */
export function mfaCodeArg(code: string): string {
  return code.replace(/\s+/g, '');
}

/** Client-side check: a code is required (the portal tells an authenticator code from a recovery code). */
export function validateMfaCode(code: string, useRecoveryCode: boolean): string | null {
  return mfaCodeArg(code) ? null : mfaFieldModel(useRecoveryCode).emptyMessage;
}
