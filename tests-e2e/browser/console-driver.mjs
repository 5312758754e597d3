// Drives Debian's chromium (headless, through playwright-core) for ConsoleIT: one JSON command per
// line on stdin, one JSON answer per line on stdout. Every wait has a deadline; nothing sleeps.
//   {"op":"open","url":U}                 a new page (the previous one closes)
//   {"op":"type","text":T}                keystrokes into the terminal
//   {"op":"waitText","text":T,"ms":N}     until the terminal shows T; answers the terminal's text
//   {"op":"waitMatch","regex":R,"ms":N}   until the terminal shows R; answers its groups
//   {"op":"waitStatus","text":T,"ms":N}   until the page's status line contains T; answers it
//   {"op":"paste","text":T}               T pasted into the terminal (a paste event, as the clipboard gives it)
//   {"op":"copyLine","text":T}            selects the line showing T (triple click) and copies it; answers what was copied
//   {"op":"resize","width":W,"height":H}  the window's size in CSS pixels
//   {"op":"screenshot","path":P}
//   {"op":"close"}
// The browser resolves only the console's name, to the address given, and talks to nothing else.
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';

const [hostname, address] = process.argv.slice(2);
if (!hostname || !address) {
  console.error('usage: node console-driver.mjs HOSTNAME ADDRESS (expected: e.g. console.fleet.internal fd01::11)');
  process.exit(2);
}
const literal = address.includes(':') ? `[${address}]` : address;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--no-proxy-server', `--host-resolver-rules=MAP ${hostname} ${literal}, EXCLUDE localhost, MAP * ~NOTFOUND`],
});
const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
let page = null;

const terminalText = () => page.evaluate(() =>
  (document.querySelector('.xterm-rows')?.innerText ?? '').replace(/\u00a0/g, ' '));

async function run(command) {
  switch (command.op) {
    case 'open':
      if (page) await page.close();
      page = await context.newPage();
      await page.goto(command.url, { waitUntil: 'load', timeout: 30_000 });
      await page.waitForSelector('.xterm-rows', { timeout: 30_000 });
      return { url: page.url() };
    case 'type':
      await page.locator('.xterm-helper-textarea').focus();
      await page.keyboard.type(command.text);
      return {};
    case 'waitText':
      await page.waitForFunction((t) => (document.querySelector('.xterm-rows')?.innerText ?? '').replace(/\u00a0/g, ' ').includes(t),
        command.text, { timeout: command.ms ?? 30_000, polling: 100 });
      return { text: await terminalText() };
    case 'waitMatch': {
      const handle = await page.waitForFunction((r) => {
        const text = (document.querySelector('.xterm-rows')?.innerText ?? '').replace(/\u00a0/g, ' ');
        const m = text.match(new RegExp(r));
        return m ? Array.from(m) : null;
      }, command.regex, { timeout: command.ms ?? 30_000, polling: 100 });
      return { groups: await handle.jsonValue() };
    }
    case 'waitStatus':
      await page.waitForFunction((t) => document.getElementById('status').textContent.includes(t), command.text,
        { timeout: command.ms ?? 30_000, polling: 100 });
      return { status: await page.evaluate(() => document.getElementById('status').textContent), text: await terminalText() };
    case 'paste':
      await page.locator('.xterm-helper-textarea').focus();
      await page.evaluate((t) => {
        const data = new DataTransfer();
        data.setData('text/plain', t);
        document.querySelector('.xterm-helper-textarea')
          .dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      }, command.text);
      return {};
    case 'copyLine': {
      const row = page.locator('.xterm-rows > div', { hasText: command.text }).last();
      const box = await row.boundingBox();
      if (!box) throw new Error(`no terminal line shows '${command.text}'`);
      await page.mouse.click(box.x + 5, box.y + box.height / 2, { clickCount: 3 });
      const copied = await page.evaluate(() => {
        const data = new DataTransfer();
        document.querySelector('.xterm-helper-textarea')
          .dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
        return data.getData('text/plain');
      });
      return { copied };
    }
    case 'resize':
      await page.setViewportSize({ width: command.width, height: command.height });
      return {};
    case 'screenshot':
      await page.screenshot({ path: command.path });
      return { path: command.path };
    case 'close':
      await browser.close();
      return { closed: true };
    default:
      throw new Error(`op: '${command.op}' (expected: open, type, paste, copyLine, waitText, waitMatch, waitStatus, resize, screenshot or close)`);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  let answer;
  try {
    answer = { ok: true, ...(await run(JSON.parse(line))) };
  } catch (e) {
    let text = '';
    try { text = page ? await terminalText() : ''; } catch { /* the page is gone */ }
    answer = { ok: false, error: String(e.message ?? e).split('\n')[0], text };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
  if (answer.closed) break;
}
await browser.close().catch(() => {});
