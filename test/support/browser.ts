// Opens HTML reports in headless Chromium (Debian's chromium, scripts/setup.sh installs it) through
// playwright-core, and reads back what a person would see: console errors, whether every chart drew
// something, whether every <audio> has a source the browser can play (duration > 0). One browser per
// test file: launch once, open each report in a new page.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';

export const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];

/** The Chromium to drive, or null with why not. */
export function findChromium(): string | null {
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export async function launch(): Promise<Browser> {
  const exe = findChromium();
  if (!exe) throw new Error('chromium not installed (scripts/setup.sh: apt-get install chromium)');
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
}

export interface PageCheck {
  consoleErrors: string[];
  /** Per chart element: its id and whether it drew anything (a canvas with painted pixels, an SVG with shapes). */
  charts: { id: string; drawn: boolean }[];
  /** Per <audio>: whether it has a source, and its duration once its metadata loaded. */
  audio: { src: boolean; duration: number }[];
  images: { ok: boolean; width: number }[];
  /** Milliseconds from navigation start to the load event's end. */
  loadMs: number;
  title: string;
}

const READ_PAGE = `(async () => {
  const charts = [...document.querySelectorAll('canvas')].map((c) => {
    const ctx = c.getContext('2d');
    const px = c.width && c.height ? ctx.getImageData(0, 0, c.width, c.height).data : new Uint8ClampedArray();
    let drawn = false;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) { drawn = true; break; }
    return { id: c.id, drawn };
  });
  for (const s of document.querySelectorAll('svg')) charts.push({ id: s.id || 'svg', drawn: s.querySelectorAll('path,rect,circle,line,polyline').length > 0 });
  // players get their audio as they near the screen: ask for all of it, as scrolling to the end would
  if (typeof window.emovoiceLoadMedia === 'function') window.emovoiceLoadMedia();
  const audio = await Promise.all([...document.querySelectorAll('audio')].map((a) => new Promise((resolve) => {
    const done = () => resolve({ src: !!(a.currentSrc || a.src), duration: Number.isFinite(a.duration) ? a.duration : 0 });
    if (a.readyState >= 1) return done();
    a.addEventListener('loadedmetadata', done, { once: true });
    a.addEventListener('error', done, { once: true });
    a.load();
    setTimeout(done, 10000);
  })));
  // images load lazily (below the fold): ask for every one, as scrolling would
  const imgs = [...document.querySelectorAll('img')];
  for (const i of imgs) i.loading = 'eager';
  await Promise.all(imgs.map((i) => i.decode().catch(() => undefined)));
  const images = imgs.map((i) => ({ ok: i.complete && i.naturalWidth > 0, width: i.naturalWidth }));
  const nav = performance.getEntriesByType('navigation')[0];
  return { charts, audio, images, loadMs: nav.loadEventEnd - nav.startTime, title: document.title };
})()`;

export async function checkReport(browser: Browser, file: string, screenshot?: string): Promise<PageCheck> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url().slice(0, 80)}`));
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // a string, not a function: the test runner's transform would add helpers the page does not have
    const result = (await page.evaluate(READ_PAGE)) as Omit<PageCheck, 'consoleErrors'>;
    if (screenshot) {
      await mkdir(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: false });
    }
    return { consoleErrors, ...result };
  } finally {
    await page.close();
  }
}
