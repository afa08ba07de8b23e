// The dashboard's layout check, injected by the dashboard tests (never shipped in the page):
// once the page says it is ready, counts in each chart the pairs of texts whose boxes overlap
// and the texts that stick out of the chart, as data-overlaps and data-outside on the chart's
// element, then marks the body data-layout-checked.
function checkLayout() {
  for (const chart of document.querySelectorAll(".plot")) {
    const svg = chart.querySelector("svg");
    if (!svg) continue;
    const frame = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll("text")].filter((t) => t.getBoundingClientRect().width > 0);
    const boxes = texts.map((t) => t.getBoundingClientRect());
    let overlaps = 0;
    const seen = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
          overlaps++;
          seen.push(texts[i].textContent + " / " + texts[j].textContent);
        }
      }
    }
    chart.dataset.overlapping = seen.join("; ");
    const outside = boxes.filter((b) => b.left < frame.left - 0.5 || b.right > frame.right + 0.5).length;
    chart.dataset.overlaps = String(overlaps);
    chart.dataset.outside = String(outside);
  }
}

(function whenReady() {
  // The page starts with data-ready="false" and ends with "true" or "error".
  const ready = document.body && document.body.dataset.ready;
  if (ready === "true" || ready === "error") {
    checkLayout();
    document.body.dataset.layoutChecked = "true";
  } else {
    setTimeout(whenReady, 20);
  }
})();
