import { api } from "../api.js";
import { session } from "../session.js";
import { act, h, notify, show, stars } from "../ui.js";

const SORTS = [
  ["rating", "Highest rated"],
  ["count", "Most rated"],
  ["date", "Newest"],
  ["title", "Title"],
];

export async function albumsView() {
  const query = new URLSearchParams(sessionStorage.getItem("chorus.album-search") || "");
  const q = h("input", { id: "q", type: "search", name: "q", value: query.get("q") || "", placeholder: "Title or artist" });
  const genre = h("input", { id: "genre", name: "genre", value: query.get("genre") || "", placeholder: "e.g. jazz" });
  const year = h("input", { id: "year", name: "year", type: "number", min: 1000, max: 2100, value: query.get("year") || "" });
  const sort = h("select", { id: "sort", name: "sort" }, SORTS.map(([value, text]) => h("option", { value, selected: query.get("sort") === value }, text)));
  const results = h("ul", { class: "albums", "aria-live": "polite", "aria-busy": "false" });
  const search = h("button", { type: "submit" }, "Search");
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Search albums" },
    h("div", {}, h("label", { for: "q" }, "Search"), q),
    h("div", {}, h("label", { for: "genre" }, "Genre"), genre),
    h("div", {}, h("label", { for: "year" }, "Year"), year),
    h("div", {}, h("label", { for: "sort" }, "Sort by"), sort),
    search,
  );

  async function load() {
    const params = { q: q.value.trim(), genre: genre.value.trim(), year: year.value, sort: sort.value, limit: 50 };
    sessionStorage.setItem("chorus.album-search", new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString());
    results.setAttribute("aria-busy", "true");
    const albums = await api("GET", "/api/music/albums", { query: params, auth: false });
    results.replaceChildren(
      ...(albums.length
        ? albums.map((album) =>
            h(
              "li",
              { class: "album" },
              h("a", { href: `#/album/${album.id}` }, h("strong", {}, album.title), " — ", album.artist),
              h("span", { class: "meta" }, [album.year, album.genres.join(", ")].filter(Boolean).join(" · ")),
              h(
                "span",
                { class: "score", "aria-label": `average ${album.avg_rating} from ${album.ratings_count} ratings` },
                `${stars(album.avg_rating)} ${album.avg_rating.toFixed(1)} (${album.ratings_count})`,
              ),
            ),
          )
        : [h("li", { class: "empty" }, "No albums match.")]),
    );
    results.setAttribute("aria-busy", "false");
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(search, load);
  });
  sort.addEventListener("change", () => act(null, load));

  show(h("section", {}, h("h1", {}, "Albums"), form, results, session() ? addAlbumForm() : null));
  await act(null, load);
}

function addAlbumForm() {
  const title = h("input", { id: "new-title", required: true, maxlength: 300 });
  const artist = h("input", { id: "new-artist", required: true, maxlength: 300 });
  const year = h("input", { id: "new-year", type: "number", min: 1000, max: 2100 });
  const genres = h("input", { id: "new-genres", placeholder: "comma separated" });
  const add = h("button", { type: "submit" }, "Add album");
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "add-album" },
    h("h2", { id: "add-album" }, "Add an album"),
    h("label", { for: "new-title" }, "Title"),
    title,
    h("label", { for: "new-artist" }, "Artist"),
    artist,
    h("label", { for: "new-year" }, "Year"),
    year,
    h("label", { for: "new-genres" }, "Genres"),
    genres,
    add,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(add, async () => {
      const album = await api("POST", "/api/music/albums", {
        body: {
          title: title.value.trim(),
          artist: artist.value.trim(),
          year: year.value ? Number(year.value) : null,
          genres: genres.value.split(",").map((g) => g.trim()).filter(Boolean),
        },
      });
      notify(`Added ${album.title}.`);
      window.location.hash = `#/album/${album.id}`;
    });
  });
  return h("details", { class: "add" }, h("summary", {}, "Add an album that is missing"), form);
}
