package org.fusd.host.reload;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * A handler for a POSIX signal (SIGHUP for {@link HotReload#reloadOnSighup()}), installed with
 * {@code sun.misc.Signal.handle}.
 *
 * <p>{@code sun.misc.Signal} and {@code sun.misc.SignalHandler} are reached through reflection on
 * purpose: javac warns "internal proprietary API and may be removed" on every direct use, that
 * warning cannot be suppressed (neither {@code @SuppressWarnings} nor an {@code -Xlint} option
 * turns it off), and the build compiles with {@code -Werror}. The classes are in the
 * {@code jdk.unsupported} module, which exports {@code sun.misc} to everyone, so reflection from
 * the host's unnamed module needs no command-line flags. The handler itself is a
 * {@link Proxy} implementing {@code sun.misc.SignalHandler}.
 */
final class SignalHook {
    private SignalHook() {}

    /** What {@link #handle} found installed before it. */
    enum Previous {
        /** The signal was ignored (SIG_IGN, inherited as under nohup): the JVM keeps ignoring it. */
        IGNORED,
        /** Anything else (the default action, or another handler): action now runs on the signal. */
        OTHER
    }

    /**
     * From now on runs action (on a thread the JVM starts for it) each time the signal named
     * signal (e.g. "HUP") arrives; says what was installed before.
     *
     * @throws IllegalArgumentException as {@code sun.misc.Signal.handle}: an unknown signal, or one
     *     the JVM or the OS keeps for itself
     * @throws UnsupportedOperationException if this JVM has no usable {@code sun.misc.Signal}
     */
    static Previous handle(String signal, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object sig = signalClass.getConstructor(String.class).newInstance(signal);
            Object handler = Proxy.newProxyInstance(
                    SignalHook.class.getClassLoader(), new Class<?>[] {handlerClass}, new Invoke(signal, action));
            Object sigIgn = handlerClass.getField("SIG_IGN").get(null);
            Object before =
                    signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, sig, handler);
            return before == sigIgn ? Previous.IGNORED : Previous.OTHER;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // IllegalArgumentException from new Signal(...) or Signal.handle(...)
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw new UnsupportedOperationException("sun.misc.Signal failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new UnsupportedOperationException("no usable sun.misc.Signal: " + e, e);
        }
    }

    /** The body of the sun.misc.SignalHandler proxy: handle(Signal) runs the action. */
    private record Invoke(String signal, Runnable action) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            return switch (method.getName()) {
                case "handle" -> {
                    action.run();
                    yield null;
                }
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "fusd SIG" + signal + " handler";
                default -> throw new UnsupportedOperationException(method.toString());
            };
        }
    }
}
