// "Copy sign-in link": try the clipboard; when the webview refuses (WebKitGTK may), show the
// link in a read-only field, selected, so the user can copy it themselves.

export interface ClipboardLike {
  writeText(text: string): Promise<void>;
}

export type CopyResult = 'copied' | 'failed';

/** How long to wait for the clipboard before offering the field instead. */
export const COPY_TIMEOUT_MS = 2000;

/** Never rejects: a missing clipboard, a refusal or no answer in time all count as 'failed'. */
export async function copyText(
  text: string,
  clipboard: ClipboardLike | null | undefined,
  timeoutMs = COPY_TIMEOUT_MS,
): Promise<CopyResult> {
  if (!clipboard || typeof clipboard.writeText !== 'function') return 'failed';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<CopyResult>((resolve) => {
    timer = setTimeout(() => resolve('failed'), timeoutMs);
  });
  try {
    const write = clipboard.writeText(text).then(
      (): CopyResult => 'copied',
      (): CopyResult => 'failed',
    );
    return await Promise.race([write, timeout]);
  } catch {
    // writeText threw synchronously.
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

export interface CopyLinkState {
  status: 'idle' | 'copying' | CopyResult;
  /** Once shown, the field stays so the link remains at hand. */
  showField: boolean;
}

export const COPY_IDLE: CopyLinkState = { status: 'idle', showField: false };

export type CopyLinkEvent = { type: 'start' } | { type: 'done'; result: CopyResult };

export function copyLinkReducer(state: CopyLinkState, event: CopyLinkEvent): CopyLinkState {
  if (event.type === 'start') return { ...state, status: 'copying' };
  return { status: event.result, showField: state.showField || event.result === 'failed' };
}

/** Text for the polite live region next to the button. */
export function copyFeedback(state: CopyLinkState): string {
  switch (state.status) {
    case 'copied':
      return 'Link copied. Paste it into your browser.';
    case 'failed':
      return "Couldn't copy the link. It's selected below: copy it and paste it into your browser.";
    default:
      return '';
  }
}
