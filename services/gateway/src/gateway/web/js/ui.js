// Small DOM helpers. Text always goes in as text (never as HTML): what users write
// cannot become markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function show(view) {
  const main = document.getElementById("main");
  main.replaceChildren(view);
  const heading = main.querySelector("h1");
  if (heading) document.title = `${heading.textContent} · Chorus`;
}

let noticeTimer = null;

export function notify(text, kind = "info") {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (notice.hidden = true), kind === "error" ? 8000 : 4000);
}

// Run an action from a button: busy while it runs, its error shown in words, and a
// rate-limited action held back for as long as the server asks.
export async function act(button, action) {
  if (button) button.disabled = true;
  let wait = 0;
  try {
    return await action();
  } catch (error) {
    notify(error.message || "Something went wrong.", "error");
    if (error.status === 429) wait = Number(error.retryAfter) || 5;
    return undefined;
  } finally {
    if (button) {
      if (wait) setTimeout(() => (button.disabled = false), wait * 1000);
      else button.disabled = false;
    }
  }
}

export function stars(score) {
  const full = Math.floor(score);
  const half = score - full >= 0.5;
  return "★".repeat(full) + (half ? "½" : "") || "–";
}

// A half-star rating control: a slider to assistive technology, ten halves to a mouse.
// Arrows, Home and End change it by keyboard; Enter or Space saves; a click saves.
export function ratingControl({ value = 0, label, onChoose }) {
  let current = value;
  const halves = [];
  const control = h("div", {
    class: "rating",
    role: "slider",
    tabindex: 0,
    "aria-label": label,
    "aria-valuemin": 0.5,
    "aria-valuemax": 5,
    "aria-valuenow": value || 0.5,
    "aria-valuetext": value ? `${value} stars` : "not rated",
  });
  const paint = (shown) => {
    halves.forEach((half, index) => half.classList.toggle("on", (index + 1) / 2 <= shown));
  };
  const set = (score) => {
    current = Math.min(5, Math.max(0.5, score));
    control.setAttribute("aria-valuenow", current);
    control.setAttribute("aria-valuetext", `${current} stars`);
    paint(current);
  };
  for (let index = 0; index < 10; index++) {
    const score = (index + 1) / 2;
    const half = h("span", {
      class: index % 2 ? "half right" : "half left",
      "data-score": score,
      title: `${score} stars`,
      onmouseenter: () => paint(score),
      onclick: () => {
        set(score);
        onChoose(score);
      },
    });
    halves.push(half);
    control.append(half);
  }
  control.addEventListener("mouseleave", () => paint(current));
  control.addEventListener("keydown", (event) => {
    const steps = { ArrowRight: 0.5, ArrowUp: 0.5, ArrowLeft: -0.5, ArrowDown: -0.5 };
    if (event.key in steps) set((current || 0) + steps[event.key]);
    else if (event.key === "Home") set(0.5);
    else if (event.key === "End") set(5);
    else if (event.key === "Enter" || event.key === " ") {
      if (current) onChoose(current);
    } else return;
    event.preventDefault();
  });
  paint(current);
  return control;
}

// The rating histogram as an SVG bar chart, with the same figures as a table for
// screen readers.
export function histogram(buckets) {
  const labels = Object.keys(buckets);
  const most = Math.max(1, ...Object.values(buckets));
  const width = 320;
  const height = 120;
  const bar = width / labels.length;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height + 18}`);
  svg.setAttribute("class", "histogram");
  svg.setAttribute("aria-hidden", "true");
  labels.forEach((label, index) => {
    const count = buckets[label];
    const barHeight = Math.round((count / most) * height);
    const rect = document.createElementNS(svg.namespaceURI, "rect");
    rect.setAttribute("x", index * bar + 2);
    rect.setAttribute("y", height - barHeight);
    rect.setAttribute("width", bar - 4);
    rect.setAttribute("height", Math.max(barHeight, 1));
    const title = document.createElementNS(svg.namespaceURI, "title");
    title.textContent = `${label} stars: ${count}`;
    rect.append(title);
    const text = document.createElementNS(svg.namespaceURI, "text");
    text.setAttribute("x", index * bar + bar / 2);
    text.setAttribute("y", height + 14);
    text.setAttribute("text-anchor", "middle");
    text.textContent = label;
    svg.append(rect, text);
  });
  const table = h(
    "table",
    { class: "visually-hidden" },
    h("caption", {}, "Ratings by score"),
    h("tr", {}, h("th", { scope: "col" }, "Score"), h("th", { scope: "col" }, "Ratings")),
    labels.map((label) => h("tr", {}, h("td", {}, label), h("td", {}, buckets[label]))),
  );
  return h("figure", { class: "chart" }, svg, table);
}
