// Render Adaptive Cards to PNG with Microsoft's renderer (npm `adaptivecards`) in headless Chromium.
//
//   node tools/cards/render.mjs CARDS.json OUT_DIR
//
// CARDS.json maps a picture's name to its card JSON (tools/cards/pictures.py writes it from the bot's
// own code); each card is drawn as a Teams chat message from the bot and saved as OUT_DIR/NAME.png.
// Chromium is the system's (CHROMIUM, else /usr/bin/chromium): puppeteer-core downloads no browser.
// Nothing is fetched from the network: the renderer, markdown-it and the host config are read from disk.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = dirname(fileURLToPath(import.meta.url));
const [cardsPath, outDir] = process.argv.slice(2);
if (!cardsPath || !outDir) {
  console.error("usage: node tools/cards/render.mjs CARDS.json OUT_DIR");
  process.exit(2);
}
const cards = JSON.parse(readFileSync(cardsPath, "utf8"));
const hostConfig = JSON.parse(readFileSync(join(here, "host-config.json"), "utf8"));
const WIDTH = 640; // about a Teams personal chat's message column on a laptop

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
  body { margin: 0; background: #f5f5f5; font-family: "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif; }
  #message { width: ${WIDTH}px; padding: 16px; box-sizing: border-box; }
  .who { display: flex; align-items: center; gap: 8px; margin: 0 0 6px 2px; color: #424242; font-size: 12px; }
  .avatar { width: 28px; height: 28px; border-radius: 50%; background: #5b5fc7; color: #fff;
            display: flex; align-items: center; justify-content: center; font-weight: 600; font-size: 11px; }
  .who b { color: #242424; font-weight: 600; }
  .bubble { background: #fff; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.14); overflow: hidden; }
  .ac-pushButton { border: 1px solid #d1d1d1; border-radius: 4px; background: #fff; color: #242424;
                   font: 600 14px inherit; padding: 5px 12px; min-height: 32px; }
  .ac-pushButton.style-positive { background: #5b5fc7; border-color: #5b5fc7; color: #fff; }
  .ac-pushButton.style-destructive { color: #c4314b; border-color: #c4314b; }
  .ac-input { font: 14px inherit; }
  .ac-input.ac-textInput, .ac-input.ac-dateInput, select.ac-input { border: 1px solid #d1d1d1; border-radius: 4px;
                   padding: 5px 8px; min-height: 32px; box-sizing: border-box; background: #fff; }
  .ac-textBlock p { margin: 0; }
  .ac-textBlock ol, .ac-textBlock ul { margin: 0; padding-left: 0; list-style-position: inside; }
</style></head><body><div id="message"><div class="who"><div class="avatar">CME</div><b>CME bot</b>
<span id="time"></span></div><div class="bubble" id="card"></div></div></body></html>`;

/** Draw one card into #card with the Adaptive Cards renderer, in the page. */
function draw({ card, hostConfig, time }) {
  const md = window.markdownit({ html: false, linkify: false, breaks: false });
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = md.render(text);
    result.didProcess = true;
  };
  const adaptive = new AdaptiveCards.AdaptiveCard();
  adaptive.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
  const context = new AdaptiveCards.SerializationContext();
  adaptive.parse(card, context);
  const events = [...Array(context.eventCount).keys()].map((i) => context.getEventAt(i));
  const errors = [...events, ...adaptive.validateProperties().validationEvents].map((e) => e.message);
  const element = adaptive.render();
  const slot = document.getElementById("card");
  slot.replaceChildren(element);
  document.getElementById("time").textContent = time;
  return errors;
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none", "--lang=en-GB"],
  env: { ...process.env, LANG: "en_GB.UTF-8", LANGUAGE: "en-GB" },
});
try {
  const page = await browser.newPage();
  const cdp = await page.createCDPSession(); // dates as a UK council's Teams shows them (dd/mm/yyyy)
  await cdp.send("Emulation.setLocaleOverride", { locale: "en-GB" });
  await page.emulateTimezone("Europe/London");
  await page.setViewport({ width: WIDTH, height: 800, deviceScaleFactor: 2 });
  await page.setContent(PAGE);
  await page.addScriptTag({ path: join(here, "node_modules/markdown-it/dist/markdown-it.min.js") });
  await page.addScriptTag({ path: join(here, "node_modules/adaptivecards/dist/adaptivecards.min.js") });
  for (const [name, entry] of Object.entries(cards)) {
    const errors = await page.evaluate(draw, { card: entry.card, hostConfig, time: entry.time || "" });
    if (errors.length) {
      console.error(`${name}: the renderer found problems in the card: ${errors.join("; ")}`);
      process.exitCode = 1;
    }
    const message = await page.$("#message");
    await message.screenshot({ path: join(outDir, `${name}.png`) });
  }
} finally {
  await browser.close();
}
