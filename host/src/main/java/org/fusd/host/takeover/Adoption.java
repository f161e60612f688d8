package org.fusd.host.takeover;

import java.util.Map;
import org.fusd.host.device.OpenFile;

/** What a successor's channel rebuilt of one device: its open files by id, and its pending calls by request id. */
public record Adoption(Map<Long, OpenFile> files, Map<Long, ResumedCall> calls) {}
