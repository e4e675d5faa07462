// The live side of `throttle.ts`: a clock that ticks while a notice's wait runs. Call it while
// a screen is created; it stops with the screen.
import type { Notice } from '../bindings/Notice';
import { retryDeadline, waitModel, type WaitModel } from './throttle';

export interface RetryWait {
  /** What the notice says now, or `null` when the notice asks for no wait. */
  readonly model: WaitModel | null;
  /** The wait is not over: the form's button is held. */
  readonly waiting: boolean;
}

export function retryWait(notice: () => Notice | null | undefined): RetryWait {
  // Counted from when the notice arrived. The clock is read twice (there and for `now`),
  // so `now` is never taken as earlier than the arrival: the wait starts at its full length.
  const received = $derived.by(() => {
    notice();
    return Date.now();
  });
  const deadline = $derived(retryDeadline(notice(), received));
  let now = $state(Date.now());
  const model = $derived.by(() => {
    const current = notice();
    return current && deadline !== null ? waitModel(current, deadline, Math.max(now, received)) : null;
  });

  $effect(() => {
    const until = deadline;
    if (until === null) return;
    now = Date.now();
    const timer = setInterval(() => {
      now = Date.now();
      if (now >= until) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  });

  return {
    get model() {
      return model;
    },
    get waiting() {
      return model?.waiting ?? false;
    },
  };
}
