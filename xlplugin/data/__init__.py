"""Reference data shipped with the project: the Ain communes and EPCI (COG 2021), see LISEZMOI.md."""
