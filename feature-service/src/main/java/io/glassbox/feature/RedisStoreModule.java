package io.glassbox.feature;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPooled;

/**
 * The shared store: {@link RedisEventStore} over a pool of connections to one Redis, and a
 * {@link RedisPing} of its own for readiness, which also asks whether Redis still holds the data
 * ({@link SeededStorePing}).
 */
public final class RedisStoreModule extends AbstractModule {
  /** Connect and per-command socket timeout; a dead Redis answers UNAVAILABLE within it. */
  static final Duration TIMEOUT = Duration.ofSeconds(2);
  /** Connections; gRPC handlers block on Redis, so this bounds concurrent store calls. */
  static final int MAX_CONNECTIONS = 64;

  @Override
  protected void configure() {
    bind(RedisEventStore.class).in(Scopes.SINGLETON);
    bind(EventStore.class).to(RedisEventStore.class);
  }

  /** The pool; creating it does not connect (the first command does). */
  @Provides
  @Singleton
  JedisPooled redis(FeatureConfig config) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(MAX_CONNECTIONS);
    pool.setMaxIdle(MAX_CONNECTIONS);
    pool.setMaxWait(TIMEOUT);
    pool.setTestWhileIdle(true);
    return new JedisPooled(pool, config.redisUri(), (int) TIMEOUT.toMillis());
  }

  /**
   * Readiness's own connection, then the seed marker through the store; creating it does not
   * connect (the first ping does).
   */
  @Provides
  @Singleton
  StorePing ping(FeatureConfig config, RedisEventStore store) {
    return new SeededStorePing(new RedisPing(config.redisUri(), config.redisName(), RedisPing.DEADLINE), store);
  }
}
