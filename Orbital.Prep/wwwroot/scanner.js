// A barcode scanner types like a keyboard: the code's characters a few milliseconds apart, then Enter. Whichever screen
// is open, a burst like that is a scan, not typing: it is taken out of the field it landed in and handed to onScan.
// A busy tablet or a Bluetooth link can hold one key back, so a single gap may be long; on average no person types
// six characters 50 ms apart.
"use strict";

const scanner = { onScan: null, burst: [], minLength: 6, maxGapMs: 150, maxAverageGapMs: 50 };

document.addEventListener("keydown", (event) => {
  const now = performance.now();
  const last = scanner.burst[scanner.burst.length - 1];
  if (last && now - last.at > scanner.maxGapMs) scanner.burst = [];
  if (event.key === "Enter") {
    const code = scanner.burst.map((k) => k.key).join("");
    const target = scanner.burst[0]?.target;
    const averageGap = scanner.burst.length > 0 ? (now - scanner.burst[0].at) / scanner.burst.length : Infinity;
    scanner.burst = [];
    if (code.length >= scanner.minLength && averageGap <= scanner.maxAverageGapMs && scanner.onScan) {
      event.preventDefault();
      // The burst typed into a field (a quantity, say) is the barcode, not the cook's entry: put the field back.
      if (target && "value" in target && target.dataset.beforeScan !== undefined) target.value = target.dataset.beforeScan;
      scanner.onScan(code);
    }
    return;
  }
  if (event.key.length !== 1) return;
  if (scanner.burst.length === 0 && event.target && "value" in event.target) event.target.dataset.beforeScan = event.target.value;
  scanner.burst.push({ key: event.key, at: now, target: event.target });
}, true);
