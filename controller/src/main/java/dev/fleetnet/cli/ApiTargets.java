package dev.fleetnet.cli;

import dev.fleetnet.client.ApiEndpoint;
import dev.fleetnet.lab.LabState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which controller the CLI calls, with which CA and token, the way kubectl and flyctl decide:
 * <ol>
 * <li>{@code --context NAME}: that context of the config file ({@code --controller} may still override its address);
 * <li>else {@code --controller} or {@code FLEETNET_CONTROLLER}: that address, with the CA and token of the environment only;
 * <li>else the config file's current context;
 * <li>else the lab running from the lab directory (its API CA and admin token files);
 * <li>else {@value FleetnetCli#DEFAULT_CONTROLLER}.
 * </ol>
 * {@code FLEETNET_CA}, {@code FLEETNET_TOKEN} and {@code FLEETNET_TOKEN_FILE} override the CA and
 * token of any of these. A token never comes from a flag.
 */
record ApiTargets(String controllerFlag, String contextFlag, Map<String, String> env, Path labDir) {
    /** What was chosen and where it came from, for messages. */
    record Target(ApiEndpoint endpoint, String source, String tokenSource) {}

    Target resolve() {
        Path configFile = CliConfig.location(env);
        String envController = blankToNull(env.get("FLEETNET_CONTROLLER"));
        String address;
        Path caFile = null;
        Path tokenFile = null;
        String token = null;
        String source;
        String tokenSource = null;
        if (contextFlag != null) {
            CliConfig.Context context = CliConfig.load(configFile).contexts().get(contextFlag);
            if (context == null) {
                throw new IllegalArgumentException("--context: '" + contextFlag + "' is not in " + configFile
                        + " (expected: one of " + CliConfig.load(configFile).contexts().keySet() + "; see `fleetnet context add`)");
            }
            address = controllerFlag != null ? controllerFlag : context.controller();
            caFile = context.caFile();
            tokenFile = context.tokenFile();
            token = context.token();
            source = "context '" + contextFlag + "' of " + configFile;
            tokenSource = token != null || tokenFile != null ? source : null;
        } else if (controllerFlag != null || envController != null) {
            address = controllerFlag != null ? controllerFlag : envController;
            source = controllerFlag != null ? "--controller" : "FLEETNET_CONTROLLER";
        } else {
            CliConfig config = CliConfig.load(configFile);
            LabState lab = config.currentContext() == null ? lab() : null;
            if (config.currentContext() != null) {
                CliConfig.Context context = config.contexts().get(config.currentContext());
                if (context == null) {
                    throw new IllegalArgumentException("current-context '" + config.currentContext() + "' of " + configFile
                            + " is not one of its contexts " + config.contexts().keySet() + " (expected: `fleetnet context use NAME`)");
                }
                address = context.controller();
                caFile = context.caFile();
                tokenFile = context.tokenFile();
                token = context.token();
                source = "context '" + config.currentContext() + "' of " + configFile;
                tokenSource = token != null || tokenFile != null ? source : null;
            } else if (lab != null) {
                address = lab.apiAddress();
                caFile = existing(LabState.apiCaFile(labDir));
                tokenFile = existing(LabState.adminTokenFile(labDir));
                source = "the lab in " + labDir;
                tokenSource = tokenFile != null ? "the lab's admin token " + tokenFile : null;
            } else {
                address = FleetnetCli.DEFAULT_CONTROLLER;
                source = "the default address";
            }
        }
        String envCa = blankToNull(env.get("FLEETNET_CA"));
        if (envCa != null) {
            caFile = Path.of(envCa);
        }
        String envToken = blankToNull(env.get("FLEETNET_TOKEN"));
        String envTokenFile = blankToNull(env.get("FLEETNET_TOKEN_FILE"));
        if (envToken != null && envTokenFile != null) {
            throw new IllegalArgumentException("FLEETNET_TOKEN and FLEETNET_TOKEN_FILE: both set (expected: one)");
        }
        if (envToken != null) {
            token = envToken.strip();
            tokenFile = null;
            tokenSource = "FLEETNET_TOKEN";
        } else if (envTokenFile != null) {
            token = null;
            tokenFile = Path.of(envTokenFile);
            tokenSource = "FLEETNET_TOKEN_FILE=" + envTokenFile;
        }
        if (tokenFile != null) {
            token = ApiEndpoint.readToken(tokenFile);
        }
        ApiEndpoint endpoint = ApiEndpoint.of(address, caFile, null);
        return new Target(new ApiEndpoint(endpoint.target(), endpoint.caPem(), token), source, tokenSource);
    }

    private LabState lab() {
        try {
            return LabState.load(labDir);
        } catch (IOException | RuntimeException unreadable) {
            return null;
        }
    }

    private static Path existing(Path file) {
        return Files.exists(file) ? file : null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
