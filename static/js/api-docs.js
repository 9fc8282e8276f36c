// The API reference page (/schema): Swagger UI from static/vendor, started here rather than in an
// inline script so the page keeps the site's script-src 'self' policy.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default posts the schema to validator.swagger.io: no third-party calls
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
})();
