// sphinxcontrib-mermaid imports Mermaid as an ES module; the single-file browser
// build (mermaid.min.js) defines the global `mermaid` instead. Load it as a classic
// script, then re-export the global: this saves the 17 MB of Mermaid's ES chunks.
await new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = new URL("./mermaid.min.js", import.meta.url).href;
  script.onload = resolve;
  script.onerror = () => reject(new Error(`could not load ${script.src}`));
  document.head.appendChild(script);
});
export default globalThis.mermaid;
