import { describe, expect, it } from 'vitest';
import { pauseKind, segmentText, unreadable } from '../../src/text/segment.ts';

describe('segmentText', () => {
  it('splits mixed text into English words, Chinese runs and punctuation with pause kinds', () => {
    expect(segmentText('Hello world, 你好世界。Don’t stop!')).toEqual([
      { kind: 'en', text: 'Hello' },
      { kind: 'en', text: 'world' },
      { kind: 'punct', text: ',', pause: 'short' },
      { kind: 'zh', text: '你好世界' },
      { kind: 'punct', text: '。', pause: 'long' },
      { kind: 'en', text: "Don't" },
      { kind: 'en', text: 'stop' },
      { kind: 'punct', text: '!', pause: 'long' },
    ]);
  });

  it('keeps hyphenated words and possessives whole, and splits at a CJK/Latin boundary', () => {
    expect(segmentText("well-known cat's用GPU")).toEqual([
      { kind: 'en', text: 'well-known' },
      { kind: 'en', text: "cat's" },
      { kind: 'zh', text: '用' },
      { kind: 'en', text: 'GPU' },
    ]);
  });

  it('gives sentence ends a long pause, clause marks a short one, quotes none', () => {
    for (const m of ['.', '!', '?', '。', '！', '？', '…', '?!', ',.']) expect(pauseKind(m)).toBe('long');
    for (const m of [',', ';', ':', '、', '，', '；', '：', '—', '(', '）']) expect(pauseKind(m)).toBe('short');
    for (const m of ['"', '“', '”', '「', '』', '《', "'", '/']) expect(pauseKind(m)).toBe('none');
    expect(pauseKind('”，')).toBe('short');
  });

  it('reports what it cannot read instead of dropping it silently', () => {
    expect(unreadable('hello мир ♥ 你好 𠀀')).toEqual(['м', 'и', 'р', '♥', '𠀀']);
    expect(unreadable('Hello, 你好。')).toEqual([]);
  });
});
