package io.eventpipeline.sdk;

import io.eventpipeline.NeedsTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link BrowserSdkH2IT}'s scenarios on the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL}. */
@NeedsTestDatabase
class BrowserSdkMariaDbIT extends BrowserSdkScenarios {
    @RegisterExtension
    static final BrowserPages PAGES = new BrowserPages();

    @RegisterExtension
    final SdkTestService service = forBrowsers(SdkTestService.onMariaDb(), PAGES);

    @Override
    SdkTestService service() {
        return service;
    }

    @Override
    BrowserPages pages() {
        return PAGES;
    }
}
