// Keeping keyboard focus somewhere sensible when the element that had it goes away.

/**
 * After an answer re-rendered the screen: when the focused control disappeared (focus fell
 * back to the page), focus `fallback` (a section heading with tabindex="-1").
 */
export function focusIfLost(fallback: HTMLElement | null | undefined, doc: Document = document): void {
  const active = doc.activeElement;
  if (active && active !== doc.body && active.isConnected) return;
  fallback?.focus();
}
