// Starts Swagger UI on the /docs page over this server's own OpenAPI document.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The document is served by this server; no validator badge (it would call out to the internet).
  validatorUrl: null,
  persistAuthorization: true,
});
