package dev.fleetnet.controller.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.fleetnet.controller.ApiFixture;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The OpenAPI document against the running server: it is what the server serves at
 * /openapi.yaml; every documented operation answers, with and without a token, with a status the
 * document lists for it (errors in the documented {error, code} shape); every REST operation the
 * server has is documented, and nothing more.
 */
class OpenApiDocumentIT {
    private static final String MISSING = "openapi-check-missing";
    private static ApiFixture api;
    private static Map<String, Object> document;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void start() throws Exception {
        api = ApiFixture.start("/openapi-it/");
        document = (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(new String(RestServer.openApiDocument(), StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> paths() {
        return (Map<String, Map<String, Object>>) document.get("paths");
    }

    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch");

    @Test
    void theServerServesThisDocument() throws Exception {
        HttpResponse<String> served = api.send("GET", "/openapi.yaml", null, null);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(new String(RestServer.openApiDocument(), StandardCharsets.UTF_8));
        assertThat(document.get("openapi").toString()).startsWith("3.");
    }

    @Test
    void everyRestOperationOfTheServerIsDocumentedAndNothingElse() {
        TreeSet<String> documented = new TreeSet<>();
        paths().forEach((path, item) -> item.keySet().stream().filter(METHODS::contains)
                .forEach(method -> documented.add(method.toUpperCase() + " " + path)));
        TreeSet<String> served = new TreeSet<>(List.of("GET /openapi.yaml"));
        RestRoutes.ALL.forEach(route -> served.add(route.operation()));
        assertThat(documented).isEqualTo(served);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyDocumentedOperationAnswersWithADocumentedStatus() throws Exception {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, Map<String, Object>> path : paths().entrySet()) {
            for (String method : METHODS) {
                Map<String, Object> operation = (Map<String, Object>) path.getValue().get(method);
                if (operation == null) {
                    continue;
                }
                TreeSet<String> statuses = new TreeSet<>(((Map<Object, Object>) operation.get("responses")).keySet().stream()
                        .map(String::valueOf).toList());
                String url = path.getKey().replaceAll("\\{[^}]+}", MISSING);
                String body = operation.containsKey("requestBody") ? "{}" : null;
                for (String token : new String[] {null, api.readOnly, api.admin}) {
                    HttpResponse<String> response = api.send(method.toUpperCase(), url, body, token);
                    checked++;
                    String status = Integer.toString(response.statusCode());
                    String who = token == null ? "no token" : token.equals(api.admin) ? "admin" : "read-only";
                    if (!statuses.contains(status)) {
                        wrong.add(method.toUpperCase() + " " + url + " (" + who + "): " + status + " not in " + statuses + ": "
                                + response.body().strip());
                    } else if (response.statusCode() >= 400) {
                        JsonObject error = JsonParser.parseString(response.body()).getAsJsonObject();
                        if (!error.has("error") || !error.has("code")) {
                            wrong.add(method.toUpperCase() + " " + url + " (" + who + "): error body " + response.body().strip());
                        }
                    }
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(checked).isEqualTo(3 * (RestRoutes.ALL.size() + 1));
    }
}
