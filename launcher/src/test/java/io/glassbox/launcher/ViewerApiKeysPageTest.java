package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.glassbox.server.ApiKeys;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer page of a real suite that requires API keys, in headless Chromium: it lists its
 * example customers once a key it accepts is typed, and says so, not as an error, before.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ViewerApiKeysPageTest {
  private static final String SHOP_KEY = "shop-" + UUID.randomUUID();
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(60);
  private static final String CHIPS = "document.querySelectorAll('#examples .example').length";
  private static final String STATUS = "document.getElementById('status')";

  @TempDir
  static Path temp;

  private static Suite suite;
  private static HeadlessChromium chromium;

  @BeforeAll
  static void startSuiteAndBrowser() throws Exception {
    String serviceKey = "svc-" + UUID.randomUUID();
    Path keys = Files.writeString(temp.resolve("api-keys"),
        "client " + ApiKeys.sha256Hex(serviceKey) + " glassbox-services\n"
            + "client " + ApiKeys.sha256Hex(SHOP_KEY) + " shop\n");
    Path serviceKeyFile = Files.writeString(temp.resolve("service-api-key.txt"), serviceKey + "\n");
    String root = System.getProperty("glassbox.repo.root");
    suite = ViewerSuites.start(ConfigSource.of(Map.of(
        "GLASSBOX_DATA_DIR", root + "/data/uci-online-retail",
        "GLASSBOX_MODEL_DIR", root + "/models",
        ApiKeys.FILE_KEY, keys.toString(),
        ClientSettings.KEY_FILE_KEY, serviceKeyFile.toString())));
    chromium = HeadlessChromium.start(Files.createDirectories(temp.resolve("chromium-profile")));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (chromium != null) {
      chromium.close();
    }
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  void page_openedWithoutAKey_asksForOne_notAsAnError() throws Exception {
    HeadlessChromium.Page page = open();
    page.await(STATUS + ".textContent !== ''", PAGE_TIMEOUT);
    assertEquals("Type your API key above to see example customers.",
        page.evaluate(STATUS + ".textContent").getStringValue());
    assertFalse(page.evaluate(STATUS + ".classList.contains('error')").getBoolValue());
    assertEquals(0, page.evaluate(CHIPS).getNumberValue());
  }

  @Test
  void page_aWrongKeyThenTheRightOne_showsTheExamples_andNoLongerTheError() throws Exception {
    HeadlessChromium.Page page = open();
    page.await(STATUS + ".textContent !== ''", PAGE_TIMEOUT);
    typeKey(page, "not-a-key");
    page.await(STATUS + ".classList.contains('error')", PAGE_TIMEOUT);
    typeKey(page, SHOP_KEY);
    page.await(CHIPS + " > 0", PAGE_TIMEOUT);
    assertEquals("", page.evaluate(STATUS + ".textContent").getStringValue());
    assertFalse(page.evaluate(STATUS + ".classList.contains('error')").getBoolValue());
  }

  @Test
  void page_theKeyChangedTwiceBeforeTheFirstAnswer_showsEachExampleOnce() throws Exception {
    HeadlessChromium.Page page = open();
    page.await(STATUS + ".textContent !== ''", PAGE_TIMEOUT);
    page.evaluate("(() => { const key = document.getElementById('api-key');"
        + " key.value = '" + SHOP_KEY + "'; key.dispatchEvent(new Event('change'));"
        + " key.value = '" + SHOP_KEY + " '; key.dispatchEvent(new Event('change')); })()");
    page.await(CHIPS + " > 0", PAGE_TIMEOUT);
    // Both answers in: the page asked twice, each in flight until its answer.
    page.await("performance.getEntriesByType('resource').filter(e => e.name.includes('/api/config')).length >= 3"
        + " && performance.getEntriesByType('resource').filter(e => e.name.includes('/api/config'))"
        + ".every(e => e.responseEnd > 0)", PAGE_TIMEOUT);
    double examples = page.evaluate("new Set([...document.querySelectorAll('#examples .example')]"
        + ".map(chip => chip.textContent)).size").getNumberValue();
    assertEquals(examples, page.evaluate(CHIPS).getNumberValue());
  }

  /** A new page on the viewer's start page, with no key kept from another test. */
  private static HeadlessChromium.Page open() throws Exception {
    HeadlessChromium.Page page = chromium.newPage(1200, 900);
    page.navigate(suite.viewerUri().orElseThrow().resolve("/"));
    page.evaluate("sessionStorage.clear()");
    page.navigate(suite.viewerUri().orElseThrow().resolve("/"));
    return page;
  }

  private static void typeKey(HeadlessChromium.Page page, String key) throws Exception {
    page.evaluate("(() => { const key = document.getElementById('api-key'); key.value = '" + key + "';"
        + " key.dispatchEvent(new Event('change')); })()");
  }
}
