package io.eventpipeline.sdk;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link BrowserSdkScenarios} on H2 (on MariaDB: {@link BrowserSdkMariaDbIT}). */
class BrowserSdkH2IT extends BrowserSdkScenarios {
    @RegisterExtension
    static final BrowserPages PAGES = new BrowserPages();

    @RegisterExtension
    final SdkTestService service = forBrowsers(SdkTestService.onH2(), PAGES);

    @Override
    SdkTestService service() {
        return service;
    }

    @Override
    BrowserPages pages() {
        return PAGES;
    }
}
