"""A headless Chromium (Debian's chromium + chromedriver) driven by Selenium, for the admin's browser tests."""

import base64
import os
import shutil
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)
WAIT_SECONDS = 15


def missing_browser() -> str | None:
    """Why no browser can start here, or None when chromium and chromedriver are installed."""
    absent = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    return f"{' and '.join(absent)} not installed (scripts/browser-deps.sh installs them)" if absent else None


def start_chromium() -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for csp_violations()
    # The system driver, so Selenium Manager never tries to download one (no network for that here).
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
    driver.implicitly_wait(0)
    return driver


def csp_violations(driver: WebDriver) -> list[str]:
    """What the console said since the last call about content the page's Content-Security-Policy refused."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Content-Security-Policy" in entry["message"]
    ]


def log_dir() -> Path:
    path = Path(os.environ.get("CI_LOG_DIR") or "ci-logs")
    path.mkdir(parents=True, exist_ok=True)
    return path


class AdminPages:
    """What an organizer does in the admin, in the words of the tests; every step waits for the page."""

    def __init__(self, driver: WebDriver, base_url: str):
        self.driver = driver
        self.base_url = base_url
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def log_in(self, email: str, password: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/admin/login/")
        self.driver.find_element(By.ID, "id_username").send_keys(email)
        self.driver.find_element(By.ID, "id_password").send_keys(password)
        self.submit(By.CSS_SELECTOR, "#login-form input[type=submit]")
        self.wait.until(ec.presence_of_element_located((By.ID, "site-name")))

    def submit(self, by: str, selector: str) -> None:
        """Click a submit button and wait until the next page has replaced this one and finished loading."""
        button = self.driver.find_element(by, selector)
        self.driver.execute_script("window.__previousPage = true;")
        button.click()
        # While the page is swapped, the driver may answer anything, even "node does not belong to the document".
        WebDriverWait(self.driver, WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script("return !window.__previousPage && document.readyState === 'complete';")
        )

    def save_full_page(self, path: Path) -> None:
        """A screenshot of the whole page, not just the window (Chromium's DevTools protocol)."""
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(shot["data"]))

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def source(self) -> str:
        return self.driver.page_source

    # The select2 autocomplete of the code page.
    def _attach_search(self):
        container = self.driver.find_element(By.CSS_SELECTOR, "#id_attach + .select2")
        container.find_element(By.CSS_SELECTOR, ".select2-selection").click()
        return self.wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, "#id_attach + .select2 .select2-search__field"))
        )

    def search_tickets(self, term: str) -> list[str]:
        """Type into the autocomplete and return the offers once the server has answered for this term.

        select2 first loads the offers for an empty term and waits 250 ms after typing, so "results are shown"
        proves nothing: the page records the term of each finished request, and we wait for ours.
        """
        self.driver.execute_script(
            "window.__lastTerm = undefined;"
            "django.jQuery(document).off('ajaxComplete.tests').on('ajaxComplete.tests', function (e, xhr, s) {"
            "  window.__lastTerm = new URL(s.url, location.href).searchParams.get('term'); });"
        )
        field = self._attach_search()
        field.send_keys(term)
        self.wait.until(
            lambda d: d.execute_script(
                "return window.__lastTerm === arguments[0]"
                " && !document.querySelector('.select2-results__option.loading-results');",
                term,
            )
        )
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('.select2-results__option'))"
            ".filter(o => !o.classList.contains('select2-results__message')).map(o => o.textContent.trim());"
        )

    def pick_ticket(self, term: str, name: str) -> None:
        assert name in self.search_tickets(term)
        option = self.wait.until(
            ec.element_to_be_clickable(
                (By.XPATH, f"//li[contains(@class,'select2-results__option') and normalize-space()='{name}']")
            )
        )
        option.click()
        self.wait.until(
            ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#id_attach + .select2 .select2-selection"), name)
        )

    def close_dropdown(self) -> None:
        self.driver.execute_script("django.jQuery('#id_attach').select2('close')")

    def attached_tickets(self) -> list[str]:
        cells = self.driver.find_elements(By.CSS_SELECTOR, "#tickets-group tbody tr.form-row td.field-name")
        return [cell.text for cell in cells]

    def tick_detach(self, ticket_name: str) -> None:
        row = self.driver.find_element(
            By.XPATH,
            f"//div[@id='tickets-group']//tr[td[contains(@class,'field-name')][normalize-space()='{ticket_name}']]",
        )
        row.find_element(By.CSS_SELECTOR, "td.field-detach input[type=checkbox]").click()

    # The ticket changelist.
    def run_ticket_action(self, action_label: str, ticket_ids: list[int]) -> None:
        for pk in ticket_ids:
            self.driver.find_element(By.CSS_SELECTOR, f"input.action-select[value='{pk}']").click()
        Select(self.driver.find_element(By.NAME, "action")).select_by_visible_text(action_label)
        self.submit(By.CSS_SELECTOR, "button[name=index]")
