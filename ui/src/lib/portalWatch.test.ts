import { describe, expect, it } from 'vitest';
import type { Notice } from '../bindings/Notice';
import {
  PortalWatch,
  bannerNotice,
  recheckDelaySeconds,
  recheckText,
  unreachableFromNotice,
  type PortalWatchClock,
  type PortalWatchState,
} from './portalWatch';
import { portalLine, type LoadedPortalStatus } from './signInScreen';

const reachable: LoadedPortalStatus = {
  state: 'reachable',
  options: { portal_name: 'Acme Phones', status_page_url: null, providers: [], password_sign_in: true },
};
const down: LoadedPortalStatus = { state: 'unreachable', message: 'connection refused', status_page_url: null };
const unreachableNotice: Notice = {
  kind: 'error',
  code: 'portal_unreachable',
  message: "Can't reach the portal: connection refused. Check your network connection.",
};
const wrongPassword: Notice = { kind: 'error', code: 'invalid_credentials', message: 'Wrong username or password.' };

/** A clock the test moves by hand; timers run when their time comes. */
function manualClock(): PortalWatchClock & { advance: (ms: number) => void; pending: () => number[] } {
  let now = 0;
  let timers: { at: number; run: () => void; id: number }[] = [];
  let ids = 0;
  return {
    now: () => now,
    setTimeout: (run, ms) => {
      const id = ++ids;
      timers.push({ at: now + ms, run, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.run();
    },
    pending: () => timers.map((t) => t.at - now),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function watch(answers: LoadedPortalStatus[]) {
  const clock = manualClock();
  const states: PortalWatchState[] = [];
  let calls = 0;
  const w = new PortalWatch(
    () => Promise.resolve(answers[Math.min(calls++, answers.length - 1)]!),
    (s) => states.push(s),
    clock,
  );
  return { w, clock, states, calls: () => calls };
}

describe('recheckDelaySeconds', () => {
  it('backs off 2, 4, 8, 16, 32 then every 60 seconds', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(recheckDelaySeconds)).toEqual([2, 4, 8, 16, 32, 60, 60, 60]);
  });
});

describe('unreachableFromNotice and bannerNotice', () => {
  it('turns an unreachable notice into the status, without saying "Can\'t reach" twice', () => {
    const status = unreachableFromNotice(unreachableNotice);
    expect(status).toEqual({
      state: 'unreachable',
      message: 'connection refused. Check your network connection.',
      status_page_url: null,
      errorCode: 'portal_unreachable',
    });
    expect(portalLine(status!).text).toBe("Can't reach the portal: connection refused. Check your network connection.");
  });

  it('ignores notices about anything else', () => {
    expect(unreachableFromNotice(wrongPassword)).toBeNull();
    expect(unreachableFromNotice(null)).toBeNull();
  });

  it('leaves the unreachable portal to the status line, other notices to the banner', () => {
    expect(bannerNotice(unreachableNotice)).toBeNull();
    expect(bannerNotice(wrongPassword)).toBe(wrongPassword);
    expect(bannerNotice(undefined)).toBeNull();
  });
});

describe('recheckText', () => {
  it('says when the next check runs, or that one runs now', () => {
    expect(recheckText(false, 4000, 0)).toBe('Checking again in 4 s.');
    expect(recheckText(false, 4000, 3500)).toBe('Checking again in 1 s.');
    expect(recheckText(true, null, 0)).toBe('Checking again…');
    expect(recheckText(false, null, 0)).toBe('');
  });
});

describe('PortalWatch', () => {
  it('checks on a backoff while the portal does not answer, and stops once it does', async () => {
    const { w, clock, states, calls } = watch([down, down, down, reachable]);
    await w.check();
    expect(w.state).toEqual({ status: down, checking: false, nextCheckAt: 2000 });
    clock.advance(1999);
    expect(calls()).toBe(1);
    clock.advance(1);
    await flush();
    expect(calls()).toBe(2);
    expect(w.state.nextCheckAt).toBe(2000 + 4000);
    clock.advance(4000);
    await flush();
    expect(w.state.nextCheckAt).toBe(6000 + 8000);
    clock.advance(8000);
    await flush();
    expect(calls()).toBe(4);
    expect(w.state).toEqual({ status: reachable, checking: false, nextCheckAt: null });
    expect(clock.pending()).toEqual([]);
    // Never "checking" with an old answer dropped: every state has one status.
    expect(states.filter((s) => s.checking && s.nextCheckAt !== null)).toEqual([]);
  });

  it('follows a sign-in that could not reach the portal: unreachable at once, then re-checks', async () => {
    const { w, clock } = watch([reachable]);
    await w.check();
    expect(w.state.status).toBe(reachable);
    w.follow(unreachableNotice);
    expect(w.state.status?.state).toBe('unreachable');
    expect(w.state.nextCheckAt).toBe(2000);
    clock.advance(2000);
    await flush();
    expect(w.state).toEqual({ status: reachable, checking: false, nextCheckAt: null });
  });

  it('checks again at once when a request got an answer while the status said unreachable', async () => {
    const { w, calls } = watch([down, reachable]);
    await w.check();
    w.follow(wrongPassword);
    await flush();
    expect(calls()).toBe(2);
    expect(w.state.status).toBe(reachable);
  });

  it('drops the answer of a check that a newer outcome overtook', async () => {
    let answer: (s: LoadedPortalStatus) => void = () => {};
    const w = new PortalWatch(
      () => new Promise((resolve) => (answer = resolve)),
      () => {},
      manualClock(),
    );
    const pending = w.check();
    w.follow(unreachableNotice);
    answer(reachable);
    await pending;
    expect(w.state.status?.state).toBe('unreachable');
  });

  it('stops checking when the screen goes', async () => {
    const { w, clock, calls } = watch([down]);
    await w.check();
    w.stop();
    clock.advance(60_000);
    await flush();
    expect(calls()).toBe(1);
    expect(clock.pending()).toEqual([]);
  });
});
