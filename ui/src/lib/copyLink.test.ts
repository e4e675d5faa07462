import { describe, expect, it, vi } from 'vitest';
import { COPY_IDLE, copyFeedback, copyLinkReducer, copyText } from './copyLink';

describe('copyText', () => {
  it('copies with the clipboard', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    await expect(copyText('https://p/authorize', { writeText })).resolves.toBe('copied');
    expect(writeText).toHaveBeenCalledWith('https://p/authorize');
  });

  it('fails without a clipboard', async () => {
    await expect(copyText('u', undefined)).resolves.toBe('failed');
    await expect(copyText('u', null)).resolves.toBe('failed');
  });

  it('fails when the webview refuses, asynchronously or not', async () => {
    const refused = () => Promise.reject(new DOMException('Not allowed', 'NotAllowedError'));
    await expect(copyText('u', { writeText: refused })).resolves.toBe('failed');
    const throws = () => {
      throw new Error('no');
    };
    await expect(copyText('u', { writeText: throws })).resolves.toBe('failed');
  });

  it('fails when the clipboard never answers', async () => {
    vi.useFakeTimers();
    try {
      const result = copyText('u', { writeText: () => new Promise<void>(() => {}) }, 500);
      await vi.advanceTimersByTimeAsync(500);
      await expect(result).resolves.toBe('failed');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('copyLinkReducer and copyFeedback', () => {
  it('says "Link copied" after a copy, without the field', () => {
    const copying = copyLinkReducer(COPY_IDLE, { type: 'start' });
    expect(copying).toEqual({ status: 'copying', showField: false });
    const copied = copyLinkReducer(copying, { type: 'done', result: 'copied' });
    expect(copied).toEqual({ status: 'copied', showField: false });
    expect(copyFeedback(copied)).toMatch(/^Link copied/);
  });

  it('reveals the field when copying failed, and keeps it afterwards', () => {
    const failed = copyLinkReducer(copyLinkReducer(COPY_IDLE, { type: 'start' }), { type: 'done', result: 'failed' });
    expect(failed).toEqual({ status: 'failed', showField: true });
    expect(copyFeedback(failed)).toMatch(/Couldn't copy the link\. It's selected below/);
    const later = copyLinkReducer(copyLinkReducer(failed, { type: 'start' }), { type: 'done', result: 'copied' });
    expect(later).toEqual({ status: 'copied', showField: true });
  });

  it('says nothing before the first copy or while copying', () => {
    expect(copyFeedback(COPY_IDLE)).toBe('');
    expect(copyFeedback({ status: 'copying', showField: false })).toBe('');
  });
});
