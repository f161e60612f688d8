package org.fusd.host.device;

/** The process that made a call, as the kernel reported it. */
public record Caller(int pid, int uid, int gid) {}
