import { describe, expect, it, vi } from 'vitest';
import { afterNextPaint } from './paint';

describe('afterNextPaint', () => {
  it('calls back in the second animation frame, not the first', () => {
    const frames: Array<() => void> = [];
    const callback = vi.fn();
    afterNextPaint(callback, (next) => frames.push(next));
    expect(callback).not.toHaveBeenCalled();
    frames.shift()?.();
    expect(callback).not.toHaveBeenCalled();
    frames.shift()?.();
    expect(callback).toHaveBeenCalledOnce();
    expect(frames).toEqual([]);
  });
});
