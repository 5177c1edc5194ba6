import { api } from "../api.js";
import { session } from "../session.js";
import { act, h, histogram, notify, ratingControl, show, stars } from "../ui.js";

export async function albumView({ params }) {
  const albumId = Number(params[0]);
  const page = h("section", { class: "album-page" });
  show(page);
  let album;
  try {
    album = await api("GET", `/api/music/albums/${albumId}`, { auth: false });
  } catch (error) {
    page.replaceChildren(h("h1", {}, "Album not found"), h("p", {}, error.message), h("a", { href: "#/albums" }, "Back to albums"));
    return;
  }
  const me = session();
  const mine = me ? await findMine(albumId, me.id) : null;
  const summary = h("p", { class: "summary", id: "album-summary" });
  const paintSummary = (detail) => {
    summary.textContent = `${stars(detail.avg_rating)} ${detail.avg_rating.toFixed(2)} average from ${detail.ratings_count} ${detail.ratings_count === 1 ? "rating" : "ratings"}`;
  };
  paintSummary(album);
  const chart = h("div", { class: "chart-holder" }, histogram(album.histogram));
  const reviews = h("ol", { class: "reviews", "aria-label": "Reviews" });
  const order = h("select", { id: "review-order" }, h("option", { value: "newest" }, "Newest first"), h("option", { value: "most_liked" }, "Most liked first"));

  // The average follows a rating within a moment (it is folded in behind the rating):
  // look again a few times until it moves, without holding up the page.
  async function followAverage() {
    const before = summary.textContent;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      try {
        const detail = await api("GET", `/api/music/albums/${albumId}`, { auth: false });
        paintSummary(detail);
        chart.replaceChildren(histogram(detail.histogram));
      } catch {
        return;
      }
      if (summary.textContent !== before) return;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  async function refresh() {
    followAverage();
    await loadReviews();
  }

  async function loadReviews() {
    const list = await api("GET", `/api/reviews/albums/${albumId}`, { query: { sort: order.value, limit: 50 }, auth: false });
    const written = list.filter((rating) => rating.text);
    reviews.replaceChildren(...(written.length ? written.map(reviewItem) : [h("li", { class: "empty" }, "No reviews yet.")]));
  }
  order.addEventListener("change", () => act(null, loadReviews));

  page.replaceChildren(
    h("h1", {}, album.title),
    h("p", { class: "byline" }, album.artist, album.year ? ` · ${album.year}` : "", album.genres.length ? ` · ${album.genres.join(", ")}` : ""),
    summary,
    chart,
    me ? yourRating(albumId, mine, refresh) : h("p", {}, h("a", { href: "#/signin" }, "Sign in"), " to rate and review."),
    me ? openRoomButton(album) : null,
    h("h2", {}, "Reviews"),
    h("label", { for: "review-order" }, "Order"),
    order,
    reviews,
  );
  await act(null, loadReviews);
}

async function findMine(albumId, userId) {
  if (!userId) return null;
  try {
    const ratings = await api("GET", `/api/reviews/users/${userId}`, { query: { limit: 100 } });
    return ratings.find((rating) => rating.album_id === albumId) || null;
  } catch {
    return null;
  }
}

function yourRating(albumId, mine, refresh) {
  let saved = mine;
  const status = h("p", { class: "hint", id: "my-rating-status" }, saved ? `Your rating: ${saved.score}` : "You have not rated this album.");
  const save = (score, extra = {}) =>
    act(null, async () => {
      saved = await api("PUT", `/api/reviews/albums/${albumId}`, {
        body: { score, text: extra.text ?? saved?.text ?? null, spoiler: extra.spoiler ?? saved?.spoiler ?? false },
      });
      status.textContent = `Your rating: ${saved.score}`;
      notify(extra.text !== undefined ? "Review saved." : `Rated ${score} stars.`);
      fillForm();
      await refresh();
    });
  const control = ratingControl({ value: saved?.score || 0, label: "Your rating", onChoose: (score) => save(score) });

  const text = h("textarea", { id: "review-text", rows: 4, maxlength: 5000 });
  const spoiler = h("input", { id: "review-spoiler", type: "checkbox" });
  const submit = h("button", { type: "submit" }, "Save review");
  const remove = h("button", { type: "button", class: "danger" }, "Delete my rating and review");
  const fillForm = () => {
    text.value = saved?.text || "";
    spoiler.checked = Boolean(saved?.spoiler);
    remove.hidden = !saved;
    submit.textContent = saved?.text ? "Update review" : "Save review";
  };
  fillForm();
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "your-review" },
    h("h2", { id: "your-review" }, "Your rating and review"),
    control,
    status,
    h("label", { for: "review-text" }, "Review"),
    text,
    h("label", { class: "inline" }, spoiler, " Contains spoilers"),
    h("div", { class: "row" }, submit, remove),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const score = Number(control.getAttribute("aria-valuenow"));
    if (!saved && control.getAttribute("aria-valuetext") === "not rated") {
      notify("Choose a rating first: click the stars or use the arrow keys.", "error");
      control.focus();
      return;
    }
    save(score, { text: text.value.trim() || null, spoiler: spoiler.checked });
  });
  remove.addEventListener("click", () =>
    act(remove, async () => {
      await api("DELETE", `/api/reviews/albums/${albumId}`);
      saved = null;
      status.textContent = "You have not rated this album.";
      fillForm();
      notify("Your rating and review are deleted.");
      await refresh();
    }),
  );
  return form;
}

function reviewItem(rating) {
  const likes = h("span", { class: "likes" }, `${rating.likes}`);
  const like = h("button", { type: "button", class: "small", "aria-label": `Like ${rating.user.username}'s review` }, "♥ Like ", likes);
  like.addEventListener("click", () =>
    act(like, async () => {
      let result;
      try {
        result = await api("POST", `/api/reviews/${rating.id}/like`);
      } catch (error) {
        if (error.status !== 409) throw error;
        result = await api("DELETE", `/api/reviews/${rating.id}/like`); // liked already: a second press unlikes
      }
      likes.textContent = `${result.likes}`;
    }),
  );
  const body = h("p", { class: "review-text" }, rating.text);
  let content = body;
  if (rating.spoiler) {
    body.hidden = true;
    const reveal = h("button", { type: "button", class: "small spoiler", "aria-expanded": "false" }, "Contains spoilers: show");
    reveal.addEventListener("click", () => {
      body.hidden = false;
      reveal.remove();
    });
    content = h("div", {}, reveal, body);
  }
  return h(
    "li",
    { class: "review" },
    h("p", { class: "meta" }, h("strong", {}, rating.user.username || `user ${rating.user.id}`), ` rated ${rating.score} · `, new Date(rating.updated_at).toLocaleDateString()),
    content,
    session() ? like : h("span", { class: "meta" }, `♥ ${rating.likes}`),
  );
}

function openRoomButton(album) {
  const open = h("button", { type: "button" }, "Open a live room about this album");
  open.addEventListener("click", () =>
    act(open, async () => {
      const body = { album_id: album.id, title: `${album.title} — ${album.artist}` };
      // The rooms learn of a new album from the event stream within moments: wait for it.
      for (let attempt = 0; ; attempt++) {
        try {
          const room = await api("POST", "/api/games/create", { body });
          window.location.hash = `#/room/${room.lobby_id}`;
          return;
        } catch (error) {
          if (error.status !== 404 || attempt >= 10) throw error;
          if (attempt === 0) notify("The rooms are still learning about this album: one moment…");
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    }),
  );
  return h("p", {}, open);
}
