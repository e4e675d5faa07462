// The sign-in screen's portal status, kept live: it follows the outcome of the last request
// (a sign-in that could not reach the portal turns it to "unreachable"), and while the portal
// does not answer it checks again by itself on a backoff (2, 4, 8… up to 60 s). There is one
// status at a time: a newer answer replaces an older one, and an answer to a check that a newer
// one overtook is dropped.
import type { Notice } from '../bindings/Notice';
import type { LoadedPortalStatus } from './signInScreen';

/** Seconds before the next automatic check after `failures` checks in a row found no portal. */
export function recheckDelaySeconds(failures: number): number {
  return Math.min(60, 2 ** Math.max(1, failures + 1));
}

const UNREACHABLE_PREFIX = "Can't reach the portal: ";

/**
 * A request elsewhere on the screen could not reach the portal: the status it means, or `null`
 * when the notice is about something else.
 */
export function unreachableFromNotice(
  notice: { code: string | null; message: string } | null | undefined,
): LoadedPortalStatus | null {
  if (notice?.code !== 'portal_unreachable') return null;
  const message = notice.message.startsWith(UNREACHABLE_PREFIX)
    ? notice.message.slice(UNREACHABLE_PREFIX.length)
    : notice.message;
  return { state: 'unreachable', message, status_page_url: null, errorCode: notice.code };
}

/**
 * The view notice as the sign-in screen's banner shows it: an unreachable portal is said once, by
 * the portal status line (which offers Retry), not twice.
 */
export function bannerNotice(notice: Notice | null | undefined): Notice | null {
  if (!notice || unreachableFromNotice(notice)) return null;
  return notice;
}

/** The words beside Retry while the portal does not answer. */
export function recheckText(checking: boolean, nextCheckAt: number | null, now: number): string {
  if (checking) return 'Checking again…';
  if (nextCheckAt === null) return '';
  const seconds = Math.max(1, Math.ceil((nextCheckAt - now) / 1000));
  return `Checking again in ${seconds} s.`;
}

export interface PortalWatchState {
  /** `undefined` until the first answer. */
  status: LoadedPortalStatus | undefined;
  /** A check is in flight. */
  checking: boolean;
  /** When the next automatic check runs (ms since the epoch), while the portal does not answer. */
  nextCheckAt: number | null;
}

export interface PortalWatchClock {
  now: () => number;
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimeout: (timer: unknown) => void;
}

const realClock: PortalWatchClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

export class PortalWatch {
  #state: PortalWatchState = { status: undefined, checking: false, nextCheckAt: null };
  #query = 0;
  #failures = 0;
  #timer: unknown = null;
  #stopped = false;

  constructor(
    private readonly load: () => Promise<LoadedPortalStatus>,
    private readonly onChange: (state: PortalWatchState) => void,
    private readonly clock: PortalWatchClock = realClock,
  ) {}

  get state(): PortalWatchState {
    return this.#state;
  }

  /** Asks the portal now (on start, Retry, or when the backoff's time came). */
  async check(): Promise<void> {
    if (this.#stopped) return;
    this.#cancelTimer();
    const mine = ++this.#query;
    this.#set({ ...this.#state, checking: true, nextCheckAt: null });
    const next = await this.load();
    if (this.#stopped || mine !== this.#query) return;
    this.#settle(next);
  }

  /**
   * The outcome of a request elsewhere on the screen (a sign-in's notice): the portal did not
   * answer, so the status says so at once, or it answered, so an "unreachable" status is checked
   * again now.
   */
  follow(notice: { code: string | null; message: string } | null | undefined): void {
    if (this.#stopped || !notice) return;
    const unreachable = unreachableFromNotice(notice);
    if (unreachable) {
      // Whatever check was in flight is older than this answer.
      this.#query++;
      this.#settle(unreachable);
    } else if (this.#state.status?.state === 'unreachable' && !this.#state.checking) {
      void this.check();
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelTimer();
  }

  #settle(status: LoadedPortalStatus): void {
    this.#cancelTimer();
    if (status.state === 'reachable') {
      this.#failures = 0;
      this.#set({ status, checking: false, nextCheckAt: null });
      return;
    }
    const delay = recheckDelaySeconds(this.#failures++) * 1000;
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = null;
      void this.check();
    }, delay);
    this.#set({ status, checking: false, nextCheckAt: this.clock.now() + delay });
  }

  #cancelTimer(): void {
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #set(state: PortalWatchState): void {
    this.#state = state;
    this.onChange(state);
  }
}
