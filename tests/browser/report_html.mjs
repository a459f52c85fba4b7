// Opens a report written by `loyaltyctl report NAME --html FILE` in headless Chromium (Debian's,
// driven by playwright-core: no browser download), with the network off, and checks what a person
// would see: the title, the summary table, one SVG chart per chart with its bars drawn, and that
// the page asked for nothing but itself. Writes a screenshot. Prints TAP.
// usage: node report_html.mjs REPORT.html SCREENSHOT.png CHARTS
import { chromium } from "playwright-core";

const [file, screenshot, chartsText] = process.argv.slice(2);
const charts = Number(chartsText);
let passed = 0;
let failed = 0;
const check = (name, ok, detail = "") => {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? "ok" : "not ok"} ${passed + failed} - ${name}${ok ? "" : ` # ${detail}`}`);
};

const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
    const context = await browser.newContext({ offline: true, viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const requests = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`file://${file}`, { waitUntil: "load" });
    check("the report opens offline", (await page.title()).startsWith("loyaltyd: "));
    check("the summary table is shown", (await page.locator("table.summary tr").count()) > 3);
    const svgs = await page.locator("svg").count();
    check(`${charts} SVG charts`, svgs === charts, `found ${svgs}`);
    const boxes = await page.locator("svg rect").evaluateAll((rects) =>
        rects.map((rect) => rect.getBoundingClientRect().width));
    check("the charts' bars are drawn", boxes.length > 0 && boxes.some((width) => width > 10),
          JSON.stringify(boxes));
    const outside = requests.filter((url) => !url.startsWith("file://"));
    check("nothing was fetched from elsewhere", outside.length === 0, outside.join(" "));
    await page.screenshot({ path: screenshot, fullPage: true });
    check("screenshot written", true);
} finally {
    await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
