// The Express gateway peer: /api/users and /api/music proxied to their services, as the original design did.
const express = require("express");
const { createProxyMiddleware } = require("http-proxy-middleware");

const port = Number(process.env.PORT);
const app = express();
app.use(createProxyMiddleware({ target: process.env.USERS_UPSTREAM, pathFilter: "/api/users" }));
app.use(createProxyMiddleware({ target: process.env.REVIEWS_UPSTREAM, pathFilter: "/api/music" }));
app.listen(port, "127.0.0.1", () => console.log(`express gateway on ${port}`));
