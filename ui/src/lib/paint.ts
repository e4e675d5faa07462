// When something on screen has been painted, not just put in the DOM.

/**
 * Calls `callback` once the DOM as it is now has been painted: two animation frames later. The
 * first frame callback runs before the frame with the current DOM is painted, the second before
 * the frame after it, so by then the first one is on screen. (Hidden pages get no frames.)
 */
export function afterNextPaint(
  callback: () => void,
  frame: (callback: () => void) => unknown = requestAnimationFrame,
): void {
  frame(() => frame(callback));
}
