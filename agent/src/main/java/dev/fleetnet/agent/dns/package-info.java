/**
 * The agent's DNS server at {@code fdaa::3} (UDP and TCP port 53), answering the {@code internal.}
 * zone from the agent's in-memory view, with no controller round trip.
 *
 * <p>The caller's network is the network of its source address (a machine's own address: the
 * host's packet filter prevents spoofing); it sees only that network. A source that is not a
 * fleet machine (outside fdaa::/16, or the infrastructure network 0) is REFUSED for
 * {@code internal.}. Stopped machines do not exist. Names are case-insensitive; answers keep the
 * asker's spelling.
 *
 * <table>
 * <caption>Names of the zone</caption>
 * <tr><th>name</th><th>type</th><th>answer</th></tr>
 * <tr><td>{@code {machine}.internal}</td><td>AAAA</td><td>the machine's address</td></tr>
 * <tr><td>{@code {app}.internal}</td><td>AAAA</td><td>every running machine of the app, nearest first
 *     (a machine name wins over an app of the same name)</td></tr>
 * <tr><td>{@code top{N}.nearest.of.{app}.internal}</td><td>AAAA</td><td>the N nearest: this host's
 *     machines first, then the other hosts' by host name, each by machine name; all if N is larger</td></tr>
 * <tr><td>{@code _apps.internal}</td><td>TXT</td><td>one record, the apps comma-separated
 *     ({@code "api,db,web"}), as Fly answers it; a list past 255 bytes continues in the next string
 *     of the same record, split after a comma</td></tr>
 * <tr><td>{@code vms.{app}.internal}</td><td>TXT</td><td>one record, the app's machine names
 *     comma-separated, the same way</td></tr>
 * <tr><td>{@code _instances.internal}</td><td>TXT</td><td>one record per running machine:
 *     {@code instance=NAME,app=APP,ip=ADDR,host=HOST}</td></tr>
 * <tr><td>{@code internal}</td><td>SOA</td><td>{@code ns.internal. hostmaster.internal.}, serial =
 *     directory revision, minimum = the TTL</td></tr>
 * </table>
 *
 * <p>A name that exists asked for another type: NOERROR, no answer, the SOA in authority. An
 * unknown name: NXDOMAIN with the SOA (negative TTL = the configured TTL). Other zones go to the
 * upstream resolvers, or are REFUSED when there are none.
 */
package dev.fleetnet.agent.dns;
