package org.fusd.host.takeover;

import org.fusd.host.device.Call;
import org.fusd.host.device.Reply;

/** A call handed over by a previous host, rebuilt by the channel: its arguments and the reply that answers it. */
public record ResumedCall(Call call, Reply reply) {}
