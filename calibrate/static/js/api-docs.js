// The API documentation page (templates/api/docs.html): Swagger UI on the generated OpenAPI document.
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true, persistAuthorization: false });
})();
