package org.fusd.host.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** --version: the project version Maven wrote into version.properties. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/org/fusd/host/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return new String[] {
            "fusd-host " + p.getProperty("version", "unknown"),
            "Java " + Runtime.version() + ", GraalVM Polyglot " + polyglotVersion()
        };
    }

    private static String polyglotVersion() {
        Package pkg = org.graalvm.polyglot.Engine.class.getPackage();
        String v = pkg == null ? null : pkg.getImplementationVersion();
        return v == null ? "25" : v;
    }
}
