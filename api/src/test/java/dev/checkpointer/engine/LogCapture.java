package dev.checkpointer.engine;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures what one logger (and those below it) logs at DEBUG and above, until closed. */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Level previousLevel;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogCapture(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        this.previousLevel = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        appender.start();
        logger.addAppender(appender);
    }

    /** The events so far, oldest first (a live list: {@code clear()} forgets them). */
    List<ILoggingEvent> events() {
        return appender.list;
    }

    /** The formatted messages of the events at {@code level} that start with {@code prefix}. */
    List<String> lines(Level level, String prefix) {
        return appender.list.stream().filter(e -> e.getLevel() == level && e.getFormattedMessage().startsWith(prefix))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
    }
}
