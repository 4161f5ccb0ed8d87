"""Tables, plots and the HTML report: what users look at."""
